"""Synthetic uploads, made deterministically: photographed digits and things that are not digits."""
