import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# The game's rounds (gan.space.human_eval) go to a folder of their own, never the checkout's data/.
os.environ.setdefault("GAN_DATA_DIR", tempfile.mkdtemp(prefix="gan-test-data-"))
FIXTURE = ROOT / "tests" / "mnist_1000.npz"
# The committed weights; GAN_WEIGHTS (as in the app) points the tests at another bundle.
WEIGHTS = Path(os.environ.get("GAN_WEIGHTS", ROOT / "weights"))


@pytest.fixture(scope="session")
def studio():
    from gan.space.studio import Studio

    return Studio(WEIGHTS)


@pytest.fixture(scope="session")
def fixture_digits():
    from gan.core.data import load_mnist

    images, labels = load_mnist(FIXTURE)
    return images.numpy(), labels.numpy()


@pytest.fixture(scope="session")
def app_url():
    """The real app, launched once in this process on a free loopback port."""
    os.environ.setdefault("GAN_WEIGHTS", str(WEIGHTS))
    import app
    from gan.tools.procs import free_port

    _, url, _ = app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    yield url.rstrip("/")
    app.demo.close()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)
