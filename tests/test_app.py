"""The web app (`keras-condgan app`, `keras_condgan.app`): what its tabs compute, on every
backend; the page itself, in a real browser (headless Chromium driven by Selenium), on one."""

import glob
import importlib.util
import io
import json
import os
import shutil
import socket
import sys
import time
import urllib.request

import numpy as np
import pytest
from conftest import BACKEND, tiny_gaugan, tiny_pix2pix
from PIL import Image

import keras_condgan
from keras_condgan.app import functions
from keras_condgan.cli import main as command_line
from keras_condgan.datasets import facades

HAS_GRADIO = importlib.util.find_spec("gradio") is not None
needs_gradio = pytest.mark.skipif(not HAS_GRADIO, reason='Gradio is not installed: pip install "keras-condgan[app]"')
CLASS = {name: index for index, name in enumerate(facades.CLASS_NAMES)}
# Building a model on JAX compiles a program per weight shape (30-60 s for the narrow GauGAN
# and Pix2Pix here, on a shared 2-core CPU); the tabs' functions only call `translate` and
# `synthesize`, which test_pix2pix.py and test_gaugan.py run on JAX.
not_on_jax = pytest.mark.skipif(
    BACKEND == "jax", reason="builds a narrow Pix2Pix/GauGAN (slow to compile on JAX); checked on TensorFlow and PyTorch"
)


@pytest.fixture(scope="module")
def cgan():
    return keras_condgan.ConditionalGAN.from_preset("mnist_cgan")


def grid_shape(rows, columns, side=28, scale=functions.DIGIT_SCALE, padding=2):
    return (rows * (side * scale + padding) + padding, columns * (side * scale + padding) + padding, 3)


# --- the tabs' functions, on every backend -----------------------------------------------------


def test_digits_are_the_requested_class_count_and_seed(cgan):
    digits = functions.generate_digits(cgan, 7, 5, seed=3)
    assert digits.shape == (5, 28, 28, 1) and digits.dtype == np.uint8
    np.testing.assert_array_equal(digits, cgan.generate([7] * 5, seed=3))
    assert not np.array_equal(digits, functions.generate_digits(cgan, 7, 5, seed=4))
    # The page shows rows of 10, the last one padded with white.
    assert functions.digits_grid(digits).shape == grid_shape(1, 5)
    twelve = functions.digits_grid(functions.generate_digits(cgan, "2", 12.0, seed=0))
    assert twelve.shape == grid_shape(2, 10)
    assert twelve[-116:, -116:].min() == 255  # the 8 missing cells of the second row are blank


def test_morph_ends_are_the_two_classes_and_its_middle_is_neither(cgan):
    three = functions.morph_digit(cgan, 3, 8, 0.0, seed=5)
    eight = functions.morph_digit(cgan, 3, 8, 1.0, seed=5)
    np.testing.assert_array_equal(three, cgan.generate([3], seed=5)[0])
    np.testing.assert_array_equal(eight, cgan.generate([8], seed=5)[0])
    middle = functions.morph_digit(cgan, 3, 8, 0.5, seed=5)
    assert middle.shape == (28, 28, 1) and not np.array_equal(middle, three) and not np.array_equal(middle, eight)
    # The same frames as `interpolate` (noise fixed, label vector moving linearly).
    np.testing.assert_allclose(middle, cgan.interpolate(3, 8, steps=3, seed=5)[1], atol=1)
    assert functions.enlarge(middle, scale=8).shape == (224, 224, 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: functions.generate_digits(m, 10, 4), "digit must be a whole number from 0 to 9"),
        (lambda m: functions.generate_digits(m, 2.5, 4), "digit must be a whole number from 0 to 9"),
        (lambda m: functions.generate_digits(m, 1, 0), "number of images must be a whole number from 1 to 100"),
        (lambda m: functions.generate_digits(m, 1, 101), "from 1 to 100"),
        (lambda m: functions.generate_digits(m, 1, 3, seed=-1), "seed must be a whole number, 0 or more"),
        (lambda m: functions.morph_digit(m, 3, 8, 1.5), "between 0 and 1"),
        (lambda m: functions.morph_digit(m, None, 8, 0.5), "start class must be a whole number"),
    ],
)
def test_bad_digit_requests_say_what_is_wrong(cgan, call, message):
    with pytest.raises(ValueError, match=message):
        call(cgan)


def test_starter_label_map_is_in_the_palette():
    starter = functions.starter_label_map()
    assert starter.shape == (256, 256, 3) and starter.dtype == np.uint8
    labels = facades.labels_from_colors(starter)
    np.testing.assert_array_equal(facades.colors_from_labels(labels), starter)  # exact palette colours
    used = {facades.CLASS_NAMES[c] for c in np.unique(labels)}
    assert used == {"background", "facade", "cornice", "window", "sill", "molding", "shop", "door"}
    assert functions.palette_hex()[:2] == ["#0000de", "#0030ff"] and len(functions.palette_hex()) == 12
    assert all(name in functions.legend_html() for name in facades.CLASS_NAMES)


def test_flatten_gives_rgb_with_transparency_as_the_background_class():
    painting = np.zeros((40, 60, 4), dtype="uint8")
    painting[10:20, 10:30] = (*facades.PALETTE[CLASS["window"]], 255)
    painting[30:, :, :3] = 99  # fully transparent: whatever the colour, background
    flat = functions.flatten({"composite": painting, "background": None, "layers": []})
    assert flat.shape == (40, 60, 3) and flat.dtype == np.uint8
    labels = facades.labels_from_colors(flat)
    assert (labels[10:20, 10:30] == CLASS["window"]).all()
    assert (labels[:10] == CLASS["background"]).all() and (labels[30:] == CLASS["background"]).all()
    # Half-transparent paint blends with the background colour (as the canvas shows it).
    painting[0, 0] = (255, 255, 255, 128)
    np.testing.assert_array_equal(functions.flatten(painting)[0, 0], np.round(128 / 255 * 255 + 127 / 255 * facades.PALETTE[0]))
    # PIL images and grayscale arrays; an editor value without a composite falls back to its background.
    assert functions.flatten(Image.fromarray(painting)).shape == (40, 60, 3)
    assert functions.flatten(np.zeros((5, 7), "uint8")).shape == (5, 7, 3)
    assert functions.flatten({"composite": None, "background": flat}).shape == (40, 60, 3)
    with pytest.raises(ValueError, match="paint one or upload one"):
        functions.flatten({"composite": None, "background": None, "layers": []})
    with pytest.raises(ValueError, match="8-bit image"):
        functions.flatten(np.zeros((5, 7, 3), "float32"))


@not_on_jax
def test_painted_label_map_gives_a_photo_of_its_size():
    """GauGAN's tab on a narrow 12-class model (the facades palette decodes the colours)."""
    model = tiny_gaugan(num_classes=12)
    painting = np.zeros((100, 120, 4), dtype="uint8")  # transparent: the background class
    painting[20:60, 30:90] = (*facades.PALETTE[CLASS["facade"]], 255)
    painting[30:40, 40:50] = (*facades.PALETTE[CLASS["window"]], 255)
    editor_value = {"background": None, "layers": [painting], "composite": painting}
    photo = functions.synthesize_painting(model, editor_value, seed=1)
    assert photo.shape == (100, 120, 3) and photo.dtype == np.uint8
    # The painting is decoded as the class ids it shows.
    classes = np.full((100, 120), CLASS["background"], "int32")
    classes[20:60, 30:90], classes[30:40, 40:50] = CLASS["facade"], CLASS["window"]
    np.testing.assert_array_equal(photo, model.synthesize(classes, seed=1))
    assert not np.array_equal(photo, functions.synthesize_painting(model, editor_value, seed=2))  # another style
    # A style photo (any size, RGBA too) replaces the random style; the seed then plays no part.
    style = np.random.default_rng(0).integers(0, 256, (50, 70, 4), dtype="uint8")
    styled = functions.synthesize_painting(model, painting, style_image=style, seed=3)
    np.testing.assert_array_equal(styled, functions.synthesize_painting(model, painting, style_image=style, seed=None))
    assert styled.shape == (100, 120, 3)
    with pytest.raises(ValueError, match="seed must be"):
        functions.synthesize_painting(model, painting, seed=1.5)


@not_on_jax
def test_label_map_gives_a_photo_of_its_size_with_pix2pix():
    model = tiny_pix2pix()
    label_map = functions.starter_label_map(96)
    photo = functions.translate_label_map(model, {"composite": np.dstack([label_map, np.full((96, 96), 255, "uint8")])})
    assert photo.shape == (96, 96, 3) and photo.dtype == np.uint8
    np.testing.assert_array_equal(photo, model.translate(label_map))
    with pytest.raises(ValueError, match="paint one or upload one"):
        functions.translate_label_map(model, None)


# --- the page and the command ------------------------------------------------------------------


@needs_gradio
@not_on_jax
def test_page_has_a_tab_per_model_and_a_palette_brush(cgan):
    import gradio as gr

    from keras_condgan import app

    page = app.build_app(cgan=cgan, pix2pix=None, gaugan=tiny_gaugan(num_classes=12))
    blocks = list(page.blocks.values())
    assert [b.label for b in blocks if isinstance(b, gr.Tab)] == ["Digits", "GauGAN"]
    (editor,) = [b for b in blocks if isinstance(b, gr.ImageEditor)]
    assert editor.brush.colors == functions.palette_hex() and editor.brush.color_mode == "fixed"
    assert editor.format == "png"  # lossless: the colours reach the model as painted
    assert page.analytics_enabled is False
    with pytest.raises(ValueError, match="needs a Pix2Pix"):
        app.build_app(cgan=None, pix2pix=cgan, gaugan=None)
    with pytest.raises(ValueError, match="at least one model"):
        app.build_app(cgan=None, pix2pix=None, gaugan=None)


def test_app_command_has_help_with_examples(capsys):
    from keras_condgan.cli.main import build_parser

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["app", "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_app_command_without_gradio_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gradio", None)  # `import gradio` raises ImportError
    assert command_line(["app"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("keras-condgan: error:") and 'pip install "keras-condgan[app]"' in line


@needs_gradio
def test_app_command_loads_the_presets_once_and_serves_them(monkeypatch, capsys):
    from keras_condgan import app

    served = []
    monkeypatch.setattr(app, "launch", lambda page, **options: served.append((page, options)))
    assert command_line(["app", "--pix2pix-preset", "none", "--gaugan-preset", "none", "--port", "7999"]) == 0
    ((page, options),) = served
    assert options == {"host": "127.0.0.1", "port": 7999, "open_browser": False}
    assert list(page.keras_condgan_models) == ["cgan"] and page.keras_condgan_models["cgan"].num_classes == 10
    # A preset of another family is refused before anything is served.
    assert command_line(["app", "--cgan-preset", "none", "--pix2pix-preset", "mnist_cgan", "--gaugan-preset", "none"]) == 2
    assert "mnist_cgan is a ConditionalGAN model: use `keras-condgan generate`" in capsys.readouterr().err
    assert command_line(["app", "--cgan-preset", "none", "--pix2pix-preset", "none", "--gaugan-preset", "none"]) == 2
    assert "give at least one preset" in capsys.readouterr().err
    with socket.socket() as taken:  # a port in use is reported before the models load
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert command_line(["app", "--port", str(port)]) == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err
    assert len(served) == 1


# --- the page in a real browser ------------------------------------------------------------------

BROWSER_BACKEND = "torch"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_browser():
    """(chromium, chromedriver) paths of the system's browser, or the reason to skip."""
    if not HAS_GRADIO:
        return None, 'Gradio is not installed: pip install "keras-condgan[app]"'
    if importlib.util.find_spec("selenium") is None:
        return None, 'Selenium is not installed: pip install "keras-condgan[test]"'
    browser = next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        missing = " and ".join(name for name, path in (("Chromium", browser), ("chromedriver", driver)) if path is None)
        return None, f"{missing} not found: install the system's (Debian: apt-get install chromium chromium-driver)"
    return (browser, driver), None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def browser():
    paths, reason = find_browser()
    if paths is None:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # the page's requests
    # The driver's path is given, so Selenium Manager downloads nothing.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=paths[1]))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for_image(driver, elem_id, previous=None, timeout=90):
    """The image an output component shows (fetched as the page fetched it), once its
    address differs from `previous`; returns (address, uint8 array)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def address(_):
        errors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".toast-body") if e.text.strip()]
        assert not errors, f"the page reported an error: {errors}"
        images = driver.find_elements(By.CSS_SELECTOR, f"#{elem_id} img")
        source = images[0].get_attribute("src") if images else None
        return source if source and source != previous else False

    source = WebDriverWait(driver, timeout).until(address)
    with urllib.request.urlopen(source, timeout=30) as response:
        return source, np.asarray(Image.open(io.BytesIO(response.read())).convert("RGB"))


def shown(driver, selector, timeout=30):
    """The displayed element that `selector` (CSS) finds, once the page shows it."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def find(_):
        found = [e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]
        return found[-1] if found else False

    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(find)


def open_tab(driver, name, ready_selector):
    """Clicks the tab `name`, and waits until the element of `ready_selector` shows."""
    from selenium.webdriver.common.by import By

    (tab,) = [b for b in driver.find_elements(By.CSS_SELECTOR, "button[role=tab]") if b.text == name]
    tab.click()
    shown(driver, ready_selector)
    time.sleep(0.5)  # the tab's components settle (an element found too early goes stale)


def facades_label_map(folder):
    """The label map (right half) of a facades test pair, or the starter map without the data."""
    files = sorted(glob.glob(os.path.join(folder or "", "test", "*.jpg")))
    if not files:
        return functions.starter_label_map()
    return np.asarray(Image.open(files[0]).convert("RGB"))[:, 256:]


# Gradio's queue uses pandas options that pandas 3 deprecates.
@pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated", "ignore:The copy keyword is deprecated")
@pytest.mark.skipif(BACKEND != BROWSER_BACKEND, reason=f"the page in a browser is tested on {BROWSER_BACKEND} (the "
                    "fastest here to load the three presets); the tabs' functions have their own tests above")
def test_page_in_a_browser_draws_digits_and_turns_label_maps_into_photos(browser, cgan, tmp_path, monkeypatch):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from keras_condgan import app

    pix2pix = keras_condgan.Pix2Pix.from_preset("pix2pix_facades")
    gaugan = keras_condgan.GauGAN.from_preset("gaugan_facades")
    received = []  # what the GauGAN tab's function gets from the page
    synthesize = app.synthesize_painting
    monkeypatch.setattr(app, "synthesize_painting", lambda *args: received.append(args) or synthesize(*args))
    page = app.build_app(cgan=cgan, pix2pix=pix2pix, gaugan=gaugan)
    url = app.launch(page, port=free_port(), block=False, quiet=True)
    try:
        browser.get(url)
        wait = WebDriverWait(browser, 60)
        wait.until(lambda d: d.find_elements(By.ID, "digits-button"))
        assert browser.title == "keras_condgan"
        assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "button[role=tab]")] == ["Digits", "Pix2Pix", "GauGAN"]
        # The morph is drawn when the page loads: class 3 half way to 8, seed 0.
        _, morph = wait_for_image(browser, "morph-output")
        np.testing.assert_array_equal(morph, functions.enlarge(functions.morph_digit(cgan, 3, 8, 0.5, 0), scale=8))

        # Digits: 7 of the default class 3, seed 0.
        count = browser.find_element(By.CSS_SELECTOR, "#digit-count input[type=number]")
        count.send_keys(Keys.CONTROL, "a")
        count.send_keys("7", Keys.TAB)
        browser.find_element(By.ID, "digits-button").click()
        _, digits = wait_for_image(browser, "digits-output")
        np.testing.assert_array_equal(digits, functions.digits_grid(cgan.generate([3] * 7, seed=0)))

        # Pix2Pix: a facades label map uploaded from a file comes back as its photo.
        open_tab(browser, "Pix2Pix", "#pix2pix-input canvas")
        label_map = facades_label_map(os.environ.get("KERAS_CONDGAN_FACADES_DIR"))
        Image.fromarray(label_map).save(tmp_path / "label_map.png")
        browser.find_element(By.CSS_SELECTOR, "#pix2pix-input input[type=file]").send_keys(str(tmp_path / "label_map.png"))
        time.sleep(1)  # the editor draws the upload on its canvas
        shown(browser, "#pix2pix-button").click()
        _, photo = wait_for_image(browser, "pix2pix-output")
        expected = pix2pix.translate(label_map)
        assert photo.shape == label_map.shape and np.abs(photo.astype(int) - expected).mean() < 1.0

        # GauGAN: the starter facade, then a window-coloured stroke painted across it.
        open_tab(browser, "GauGAN", "#gaugan-input canvas")
        button = shown(browser, "#gaugan-button")
        button.click()
        first_address, first = wait_for_image(browser, "gaugan-output")
        starter_labels = facades.labels_from_colors(functions.flatten(received[-1][1]))
        np.testing.assert_array_equal(starter_labels, facades.labels_from_colors(functions.starter_label_map()))
        canvas = shown(browser, "#gaugan-input canvas")
        stroke = ActionChains(browser).move_to_element_with_offset(canvas, -100, -30).click_and_hold()
        for _ in range(10):
            stroke = stroke.move_by_offset(20, 6)
        stroke.release().perform()
        time.sleep(0.5)
        button.click()
        _, second = wait_for_image(browser, "gaugan-output", previous=first_address)
        painted = received[-1]
        painted_labels = facades.labels_from_colors(functions.flatten(painted[1]))
        changed = painted_labels != starter_labels
        assert changed.sum() > 500 and (painted_labels[changed] == CLASS["window"]).mean() > 0.9
        assert second.shape == (256, 256, 3) and not np.array_equal(first, second)
        np.testing.assert_array_equal(second, synthesize(*painted))

        # Nothing was fetched from anywhere but the app itself (the page works offline).
        requests = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
        addresses = {r["params"]["request"]["url"] for r in requests if r["method"] == "Network.requestWillBeSent"}
        outside = sorted(a for a in addresses if a.startswith(("http:", "https:", "ws:", "wss:")) and not a.startswith(url))
        assert not outside, outside
    finally:
        page.close()
