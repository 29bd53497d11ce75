"""The domain: value kinds and their codec, lazy row views, models and the one error hierarchy; no I/O."""
