"""Pieces of the gateway benchmark: a fast loopback upstream, a light load generator, a floor proxy,
and the code that starts each target under test."""
