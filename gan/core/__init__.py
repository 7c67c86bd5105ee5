"""The GAN library: models, losses, data, sampling, the training step and its settings, metrics. Never imports gradio."""
