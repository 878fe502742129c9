"""The shared kit every simulator builds on: the contract (contract), controls and their
validation (params), SVG drawing (svg), a small NumPy network toolkit (nn) and bounded caches
(cache). Nothing here knows about a particular paper."""
