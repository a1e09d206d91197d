"""One module per way to prove who you are: the folder listing names every method."""
