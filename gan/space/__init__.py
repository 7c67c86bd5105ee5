"""What app.py loads: the Studio (the Space without a UI) and the logic behind each tab, and the trainers of its own models."""
