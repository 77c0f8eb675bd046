"""breathcue: a desk light that paces your breathing and nudges you to breathe."""

__version__ = "0.1.0"
