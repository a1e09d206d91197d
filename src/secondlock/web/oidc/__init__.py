"""The OpenID Connect provider's web side (issue #7): endpoints, browser pages, logout."""
