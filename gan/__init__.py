"""MNIST GAN Studio: a class-conditional GAN on MNIST, its evaluation, and the Space's logic."""

from .models import Classifier, Discriminator, Generator
from .sampling import latents_from_seeds, sample

__all__ = ["Classifier", "Discriminator", "Generator", "latents_from_seeds", "sample"]
