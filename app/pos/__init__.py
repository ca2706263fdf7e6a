"""The tills (POS profiles) a branch sells from."""
