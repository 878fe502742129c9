"""The static site generator behind the NeurIPS 2025 award-paper companion."""
