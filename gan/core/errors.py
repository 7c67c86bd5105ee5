"""Every error the project raises on purpose, in one place: each is a sentence for a person.

A command prints str(e) and exits 1; the Space shows it as the reason it refused."""

from __future__ import annotations


class DataError(RuntimeError):
    """The training data is missing, unreadable or malformed."""


class WeightsError(RuntimeError):
    """Weights that are missing, truncated or do not match their recorded checksum."""


class ImageError(ValueError):
    """An upload or drawing that cannot be read as a digit; str(e) says why, for the visitor."""


class InputError(ValueError):
    """A request the Space refuses; str(e) is a message for the visitor."""


class RunFolderError(RuntimeError):
    """A run folder that does not suit the command: a new run into one that already holds a
    run, or --resume from one without a checkpoint."""


class LaunchError(RuntimeError):
    """A torchrun launch that training cannot run as given: a batch that does not divide among
    the processes, or a device no process group serves."""
