"""SecondLock: self-hosted two-factor account security for web shops."""

__version__ = "0.1.0"
__all__ = ["__version__"]
