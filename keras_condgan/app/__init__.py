"""The web app (`keras-condgan app`): a local page with one tab per model family.

- Digits: a conditional GAN's images of a chosen class (count, seed), and a class morph
  with a slider.
- Pix2Pix: a label map, uploaded or drawn on, translated to a photo.
- GauGAN: a facade painted with the 12 colours of the facades palette (legend included),
  optionally in the style of a photo, synthesised into a photo.

It needs Gradio (`pip install "keras-condgan[app]"`); the models load once, when the page is
built, on whatever Keras backend runs. Nothing is fetched from the internet: no analytics,
no version check, no share link, system fonts.

    from keras_condgan import app

    page = app.build_app()            # the bundled presets: mnist_cgan, pix2pix_facades, gaugan_facades
    app.launch(page, port=7860)       # http://127.0.0.1:7860

What each tab computes lives in `keras_condgan.app.functions`, plain functions of the models
and NumPy/PIL inputs.
"""

import os

from keras_condgan.app import functions
from keras_condgan.app.functions import (
    flatten,
    generate_digits,
    morph_digit,
    starter_label_map,
    synthesize_painting,
    translate_label_map,
)

INSTALL_HINT = 'pip install "keras-condgan[app]"'
DEFAULT_PRESETS = {"cgan": "mnist_cgan", "pix2pix": "pix2pix_facades", "gaugan": "gaugan_facades"}
TITLE = "keras_condgan"
# The events share one queue: one model call at a time.
MODELS = "models"


def import_gradio():
    """Gradio, imported with its telemetry and version check off; a clear `ImportError`
    naming the extra to install when it is missing."""
    # Read when Gradio is imported and when a page is built: no requests to gradio.app or
    # Hugging Face (the page must work on a machine without internet).
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import gradio
    except ImportError as error:
        raise ImportError(f"The web app needs Gradio, which is not installed ({error}): {INSTALL_HINT}") from None
    return gradio


def load_model(model, family):
    """`model` as given, or loaded from a preset name, folder or handle; checked to be of
    `family` ("cgan", "pix2pix", "gaugan")."""
    import keras_condgan

    classes = {"cgan": keras_condgan.ConditionalGAN, "pix2pix": keras_condgan.Pix2Pix, "gaugan": keras_condgan.GauGAN}
    if isinstance(model, str):
        model = keras_condgan.GAN.from_preset(model)
    if not isinstance(model, classes[family]):
        raise ValueError(f"The {family} tab needs a {classes[family].__name__}; got a {type(model).__name__}.")
    if family == "cgan" and not model.conditional:
        raise ValueError("The digits tab needs a class-conditional GAN; this ConditionalGAN is unconditional.")
    return model


def theme():
    """Gradio's default look with the system's fonts (nothing downloaded)."""
    gr = import_gradio()
    return gr.themes.Default(
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"],
    )


def user_errors(function):
    """Runs `function`, turning its `ValueError`/`TypeError` into a message on the page."""
    gr = import_gradio()

    def wrapped(*args):
        try:
            return function(*args)
        except (ValueError, TypeError) as error:
            raise gr.Error(str(error)) from error

    wrapped.__name__ = function.__name__
    return wrapped


def label_map_editor(gr, label, elem_id):
    """An image editor holding a label map: upload one or paint with the palette's colours."""
    return gr.ImageEditor(
        value=starter_label_map(),
        type="numpy",
        image_mode="RGBA",
        sources=("upload", "clipboard"),
        brush=gr.Brush(colors=functions.palette_hex(), default_color=functions.palette_hex()[2],
                       color_mode="fixed", default_size=12),
        # PNG, not Gradio's default WebP: lossy compression would shift the class colours.
        format="png",
        layers=False,
        canvas_size=(functions.CANVAS_SIZE, functions.CANVAS_SIZE),
        label=label,
        elem_id=elem_id,
        height=420,
    )


def output_image(gr, label, elem_id, height=None):
    """A result on the page, as a PNG (download and full screen buttons; no share button)."""
    return gr.Image(label=label, type="numpy", format="png", interactive=False, buttons=["download", "fullscreen"],
                    elem_id=elem_id, height=height)


def build_app(cgan=DEFAULT_PRESETS["cgan"], pix2pix=DEFAULT_PRESETS["pix2pix"], gaugan=DEFAULT_PRESETS["gaugan"]):
    """The page, a `gradio.Blocks`: a tab for each model given (a model, or a preset name,
    folder or handle, loaded here, once); `None` leaves its tab out."""
    gr = import_gradio()
    models = {
        family: load_model(model, family)
        for family, model in (("cgan", cgan), ("pix2pix", pix2pix), ("gaugan", gaugan))
        if model is not None
    }
    if not models:
        raise ValueError("The web app needs at least one model (cgan, pix2pix or gaugan).")
    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        gr.Markdown(f"# {TITLE}\nConditional GANs on Keras 3, running locally.")
        with gr.Tabs():
            if "cgan" in models:
                digits_tab(gr, page, models["cgan"])
            if "pix2pix" in models:
                pix2pix_tab(gr, models["pix2pix"])
            if "gaugan" in models:
                gaugan_tab(gr, models["gaugan"])
    page.keras_condgan_models = models
    return page


def digits_tab(gr, page, model):
    classes = list(range(model.num_classes))
    with gr.Tab("Digits", id="digits"):
        with gr.Row():
            with gr.Column(scale=1):
                digit = gr.Dropdown(classes, value=classes[min(3, len(classes) - 1)], label="Class", elem_id="digit-class")
                count = gr.Slider(1, functions.MAX_DIGITS, value=20, step=1, label="How many", elem_id="digit-count")
                seed = gr.Number(value=0, precision=0, minimum=0, label="Seed (empty: random)", elem_id="digit-seed")
                generate = gr.Button("Generate", variant="primary", elem_id="digits-button")
            with gr.Column(scale=2):
                grid = output_image(gr, "Generated", "digits-output")

        def draw(digit_value, count_value, seed_value):
            return functions.digits_grid(generate_digits(model, digit_value, count_value, seed_value))

        generate.click(user_errors(draw), [digit, count, seed], grid, api_name="digits", concurrency_id=MODELS)

        gr.Markdown("### Class morph\nThe noise stays fixed while the label moves from one class to the other.")
        with gr.Row():
            with gr.Column(scale=1):
                start = gr.Dropdown(classes, value=classes[min(3, len(classes) - 1)], label="From class", elem_id="morph-start")
                end = gr.Dropdown(classes, value=classes[-2 if len(classes) > 2 else -1], label="To class", elem_id="morph-end")
                fraction = gr.Slider(0.0, 1.0, value=0.5, step=0.05, label="Morph", elem_id="morph-fraction")
                morph_seed = gr.Number(value=0, precision=0, minimum=0, label="Seed", elem_id="morph-seed")
            with gr.Column(scale=2):
                morphed = output_image(gr, "Morph", "morph-output", height=260)

        def morph(start_value, end_value, fraction_value, seed_value):
            return functions.enlarge(morph_digit(model, start_value, end_value, fraction_value, seed_value), scale=8)

        inputs = [start, end, fraction, morph_seed]
        morph_fn = user_errors(morph)
        fraction.release(morph_fn, inputs, morphed, api_name="morph", concurrency_id=MODELS)
        for control in (start, end, morph_seed):
            control.change(morph_fn, inputs, morphed, api_visibility="undocumented", concurrency_id=MODELS)
        page.load(morph_fn, inputs, morphed, api_visibility="undocumented", concurrency_id=MODELS)


def pix2pix_tab(gr, model):
    with gr.Tab("Pix2Pix", id="pix2pix"):
        gr.Markdown(
            "Upload a label map (the facades' colours, any size) or draw on this one, then translate it into a photo."
        )
        gr.HTML(functions.legend_html())
        with gr.Row():
            editor = label_map_editor(gr, "Label map", "pix2pix-input")
            photo = output_image(gr, "Photo", "pix2pix-output")
        button = gr.Button("Translate", variant="primary", elem_id="pix2pix-button")
        button.click(user_errors(lambda value: translate_label_map(model, value)), editor, photo, api_name="translate",
                     concurrency_id=MODELS)


def gaugan_tab(gr, model):
    with gr.Tab("GauGAN", id="gaugan"):
        gr.Markdown(
            "Paint a facade with the class colours (the brush offers only these), optionally drop in a style "
            "photo, and synthesise the photo. Without a style photo, the seed picks a random style."
        )
        gr.HTML(functions.legend_html())
        with gr.Row():
            editor = label_map_editor(gr, "Painting", "gaugan-input")
            photo = output_image(gr, "Photo", "gaugan-output")
        with gr.Row():
            style = gr.Image(label="Style photo (optional)", type="numpy", image_mode="RGB", sources=("upload", "clipboard"),
                             height=200, elem_id="gaugan-style")
            with gr.Column():
                seed = gr.Number(value=0, precision=0, minimum=0, label="Seed of the random style (empty: random)",
                                 elem_id="gaugan-seed")
                button = gr.Button("Synthesize", variant="primary", elem_id="gaugan-button")
        button.click(
            user_errors(lambda value, style_value, seed_value: synthesize_painting(model, value, style_value, seed_value)),
            [editor, style, seed], photo, api_name="synthesize", concurrency_id=MODELS,
        )


def launch(page, host="127.0.0.1", port=7860, open_browser=False, block=True, quiet=False):
    """Serves `page` (from `build_app`) at http://HOST:PORT: no share link, no telemetry.
    Unless `quiet`, prints the address once the server runs. With `block=True` it serves
    until Ctrl-C; with `block=False` it returns at once (`page.close()` stops the server).
    Returns the page's local URL."""
    import_gradio()
    page.queue(default_concurrency_limit=1)  # with one concurrency_id: one model call at a time
    _, url, _ = page.launch(
        server_name=host,
        server_port=port,
        share=False,
        inbrowser=open_browser,
        prevent_thread_lock=True,
        quiet=True,  # Gradio's own lines would suggest a share link
        theme=theme(),
        show_error=True,
        mcp_server=False,
        ssr_mode=False,
    )
    if not quiet:
        print(f"The page is at {url} ({'Ctrl-C stops it' if block else 'page.close() stops it'})", flush=True)
    if block:
        page.block_thread()
    return url


__all__ = [
    "build_app",
    "flatten",
    "generate_digits",
    "launch",
    "morph_digit",
    "starter_label_map",
    "synthesize_painting",
    "translate_label_map",
]
