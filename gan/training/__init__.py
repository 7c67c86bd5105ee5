"""The trainers, in one place: every model the project trains, and nothing the app loads.

    gan.py         the class-conditional GAN (gan train): the loop, checkpoints, torchrun, the export
    classifier.py  the reference classifier (gan dev train-classifier), and its recipe for the CAS
    cas.py         the Classification Accuracy Score: that recipe trained on generated digits (gan evaluate)
    verdict.py     the Space's real-or-generated verdict model (gan dev train-verdict; a step of gan ship)
    detector.py    the Space's is-it-a-digit detector (gan dev train-detector; a step of gan ship)

The models themselves live where the app loads them from (gan.core.models, gan.space.verdict,
gan.space.detector); these modules only make their weights. One training step of the GAN is
gan.core.step, which the Space's Training lab runs too.
"""
