"""Action plans: recommendations from the reviews, the actions that answer them, and their progress."""
