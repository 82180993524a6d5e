"""Watching training: SampleGrid (PNG files and TensorBoard images), KID, and QualityMonitor
figures in `logs` for ModelCheckpoint / EarlyStopping / CSVLogger / TensorBoard."""

import csv
import glob
import io
import os

import keras
import numpy as np
import pytest
from conftest import BACKEND, synthetic_digits, tiny_cgan, tiny_gaugan, tiny_pix2pix, toy_data
from PIL import Image

from keras_condgan.callbacks import QualityMonitor, SampleGrid
from keras_condgan.evaluation.quality import ClassifierQuality, PairedQuality
from keras_condgan.metrics import fid, kid, lpips, paired_scores

# --- KID ---------------------------------------------------------------------


def brute_force_mmd2(x, y):
    """The unbiased MMD² written out as sums over pairs, with the kernel spelled out."""

    def k(a, b):
        return (np.dot(a, b) / len(a) + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_mmd2_is_the_unbiased_estimate_written_out():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.normal(0.5, 1.2, size=(9, 5))
    assert kid.mmd2_unbiased(x, y) == pytest.approx(brute_force_mmd2(x, y), rel=1e-12)


def test_kid_is_unbiased_and_its_standard_error_is_calibrated():
    """Over many independent draws: KID between two samples of one distribution averages 0
    (an unbiased estimate, sometimes negative); between two distributions it is clearly
    positive; and the spread of the estimates matches the standard errors reported."""
    rng = np.random.default_rng(1)
    same, shifted = [], []
    for _ in range(300):
        real = rng.normal(size=(60, 8))
        same.append(kid.features_kid(real, rng.normal(size=(60, 8)), subsets=6, seed=2))
        shifted.append(kid.features_kid(real, rng.normal(0.8, 1.0, size=(60, 8)), subsets=6, seed=2))
    values = np.array([k.value for k in same])
    errors = np.array([k.standard_error for k in same])
    assert abs(values.mean()) < 3 * values.std() / np.sqrt(len(values))
    assert (values < 0).any()
    assert 0.75 < values.std() / np.sqrt(np.mean(errors**2)) < 1.3
    shifted_values = np.array([k.value for k in shifted])
    assert shifted_values.mean() > 10 * values.std() / np.sqrt(len(values))
    assert np.mean([k.value > 2 * k.standard_error for k in shifted]) > 0.9


def test_kid_blocks_and_bad_input():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(10, 4)), rng.normal(size=(6, 4))
    value, standard_error = kid.features_kid(real, fake, subsets=10, seed=0)  # 3 blocks: the fake set limits
    rng0 = np.random.default_rng(0)
    order_r, order_f = rng0.permutation(10), rng0.permutation(6)
    blocks = [kid.mmd2_unbiased(r, f) for r, f in zip(np.array_split(real[order_r], 3), np.array_split(fake[order_f], 3))]
    assert value == pytest.approx(np.mean(blocks))
    assert standard_error == pytest.approx(np.std(blocks, ddof=1) / np.sqrt(3))
    with pytest.raises(ValueError, match="at least 4 samples per set"):
        kid.features_kid(real, fake[:3])
    with pytest.raises(ValueError, match="same d"):
        kid.features_kid(real, rng.normal(size=(6, 5)))


# --- SampleGrid ----------------------------------------------------------------


def tensorboard_images(folder, tag="samples"):
    """`{step: uint8 image}` of the image summaries under `folder`."""
    from tensorboard.backend.event_processing import event_accumulator

    events = event_accumulator.EventAccumulator(folder, size_guidance={event_accumulator.IMAGES: 0, "tensors": 0})
    events.Reload()
    images = {}
    for event in events.Tensors(tag):
        # tf.summary.image stores [width, height, PNG...] as a string tensor.
        png = event.tensor_proto.string_val[2]
        images[event.step] = np.asarray(Image.open(io.BytesIO(png)))
    return images


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """One short `fit` of a tiny cGAN with SampleGrid (every 2 epochs, PNG + TensorBoard) and
    QualityMonitor figures that a scripted measure returns, watched by the Keras callbacks."""
    folder = tmp_path_factory.mktemp("run")
    images, labels = synthetic_digits(count=32)
    model = tiny_cgan()
    model.compile()
    measure = ScriptedMeasure([0.1, 0.5, 0.3, 0.4, 0.2, 0.6])
    log_dir = str(folder / "logs")
    callbacks = [
        # Before the monitor in the list: `fit` runs the monitor first all the same.
        keras.callbacks.ModelCheckpoint(str(folder / "best_{epoch}.weights.h5"), monitor="val_score",
                                        save_best_only=True, save_weights_only=True),
        keras.callbacks.EarlyStopping(monitor="val_score", patience=2),
        keras.callbacks.CSVLogger(str(folder / "history.csv")),
        keras.callbacks.TensorBoard(log_dir, write_graph=False),
        SampleGrid(str(folder / "samples"), per_class=2, every=2, log_dir=log_dir),
        QualityMonitor(measure),
    ]
    history = model.fit(images, labels, batch_size=16, epochs=6, verbose=0, callbacks=callbacks)
    return model, folder, history, callbacks


class ScriptedMeasure:
    """Returns the next of a fixed list of scores per call (a measure whose values we know)."""

    directions = {"score": "max", "spread": None}

    def __init__(self, scores):
        self.scores = list(scores)
        self.calls = 0

    def __call__(self, model):
        self.calls += 1
        return {"score": self.scores[self.calls - 1], "spread": 0.01 * self.calls}


def test_sample_grid_writes_pngs_and_tensorboard_images_every_n_epochs(trained_run):
    model, folder, history, callbacks = trained_run
    # EarlyStopping ended the run after epoch 4 (best 0.5 at epoch 2, then 0.3, 0.4).
    assert len(history.history["g_loss"]) == 4
    assert sorted(os.listdir(folder / "samples")) == ["epoch_002.png", "epoch_004.png"]
    images = tensorboard_images(str(folder / "logs" / "train"))
    assert sorted(images) == [1, 3]  # 0-based epochs, as Keras' TensorBoard steps the losses
    png = np.asarray(Image.open(folder / "samples" / "epoch_004.png").convert("RGB"))
    np.testing.assert_array_equal(images[3], png)
    # The grid is what the model draws now: one row per class from the fixed latents.
    grid = callbacks[4]
    np.testing.assert_array_equal(np.asarray(grid.grid().convert("RGB")), png)


def test_sample_grid_is_drawn_after_the_last_epoch_and_needs_somewhere_to_write(tmp_path):
    grid = SampleGrid(str(tmp_path / "samples"), per_class=1, every=5)
    grid.set_model(tiny_cgan())
    grid.set_params({"epochs": 3})
    for epoch in range(3):
        grid.on_epoch_end(epoch)
    assert os.listdir(tmp_path / "samples") == ["epoch_003.png"]
    with pytest.raises(ValueError, match="folder.*log_dir"):
        SampleGrid(None)
    with pytest.raises(ValueError, match="at least 1"):
        SampleGrid(str(tmp_path), every=0)


def test_sample_grid_columns_for_paired_models(tmp_path):
    """Pix2Pix: condition | generated | real; GauGAN: coloured map | random style | the real
    photo's style | real photo."""
    rng = np.random.default_rng(0)
    conditions, targets = (rng.integers(0, 256, (2, 32, 32, 3)).astype("uint8") for _ in range(2))
    grid = SampleGrid(str(tmp_path), conditions, targets)
    grid.set_model(tiny_pix2pix())
    images, rows, _ = grid.rows()
    assert rows == 2 and images.shape == (6, 32, 32, 3)
    np.testing.assert_array_equal(images[3], conditions[1])
    np.testing.assert_array_equal(images[4], grid.model.translate(conditions)[1])
    np.testing.assert_array_equal(images[5], targets[1])

    label_maps, photos = toy_data(2)
    grid = SampleGrid(str(tmp_path), label_maps, photos, seed=3)
    gaugan = tiny_gaugan()
    grid.set_model(gaugan)
    images, rows, _ = grid.rows()
    assert rows == 2 and images.shape == (8, 32, 32, 3)
    np.testing.assert_array_equal(images[5], gaugan.synthesize(label_maps, seed=3)[1])
    np.testing.assert_array_equal(images[6], gaugan.synthesize(label_maps, style_image=photos)[1])
    np.testing.assert_array_equal(images[7], photos[1])


# --- QualityMonitor ------------------------------------------------------------


def test_quality_figures_reach_checkpoints_early_stopping_and_logs(trained_run):
    model, folder, history, callbacks = trained_run
    checkpoint, early_stopping, _, _, _, monitor = callbacks
    # measured every epoch; figures in `logs` as val_<name>, in History and the CSV log
    assert monitor.measured_epochs == [1, 2, 3, 4]
    assert history.history["val_score"] == [0.1, 0.5, 0.3, 0.4]
    with open(folder / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert [float(r["val_score"]) for r in rows] == [0.1, 0.5, 0.3, 0.4]
    assert [float(r["val_spread"]) for r in rows] == pytest.approx([0.01, 0.02, 0.03, 0.04])
    # "max" came from the measure's directions, without mode=
    assert checkpoint.best == 0.5
    assert sorted(os.path.basename(p) for p in glob.glob(str(folder / "best_*"))) == [
        "best_1.weights.h5", "best_2.weights.h5"
    ]
    assert early_stopping.stopped_epoch == 3  # 0-based: after the 4th epoch
    # TensorBoard shows the figures with the validation run
    from tensorboard.backend.event_processing import event_accumulator

    events = event_accumulator.EventAccumulator(str(folder / "logs" / "validation"))
    events.Reload()
    assert "epoch_score" in events.Tags()["tensors"]


def test_quality_between_measurements_keeps_the_last_figures():
    measure = ScriptedMeasure([0.2, 0.7, 0.9])
    monitor = QualityMonitor(measure, every=2)
    monitor.set_params({"epochs": 5})
    logs = [{} for _ in range(5)]
    for epoch in range(5):
        monitor.on_epoch_end(epoch, logs[epoch])
    # every 2nd epoch, and the last
    assert monitor.measured_epochs == [2, 4, 5] and measure.calls == 3
    assert [log.get("val_score") for log in logs] == [None, 0.2, 0.2, 0.7, 0.9]
    with pytest.raises(TypeError, match="callable"):
        QualityMonitor("kid")


@pytest.fixture(scope="module")
def band_classifier():
    """A small classifier that tells the synthetic digits' bands apart (trained briefly)."""
    images, labels = synthetic_digits(count=300, seed=5)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255.0)(inputs))
    features = keras.layers.Dense(16, activation="relu", name="features")(x)
    classifier = keras.Model(inputs, keras.layers.Dense(3)(features))
    classifier.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    keras.utils.set_random_seed(0)
    classifier.fit(images[..., None], labels, epochs=30, batch_size=32, verbose=0)
    accuracy = np.mean(np.argmax(classifier.predict(images[..., None], verbose=0), -1) == labels)
    assert accuracy > 0.95
    return classifier


def test_classifier_quality_measures_what_it_says(band_classifier):
    real, _ = synthetic_digits(count=40, seed=7)
    measure = ClassifierQuality(band_classifier, real[..., None], per_class=8, seed=3, subsets=4)
    model = tiny_cgan()
    figures = measure(model)
    labels = np.repeat(np.arange(3), 8)
    generated = model.generate(labels, seed=3)
    embed = keras.Model(band_classifier.input, [band_classifier.get_layer("features").output, band_classifier.output])
    gen_features, logits = embed.predict(generated, verbose=0)
    real_features, _ = embed.predict(real[..., None], verbose=0)
    assert figures["class_accuracy"] == pytest.approx(np.mean(np.argmax(logits, -1) == labels))
    expected = kid.features_kid(real_features, gen_features, subsets=4, seed=3)
    assert figures["kid"] == pytest.approx(expected.value, rel=1e-5, abs=1e-7)
    assert figures["kid_standard_error"] == pytest.approx(expected.standard_error, rel=1e-5, abs=1e-7)
    assert measure.directions["class_accuracy"] == "max" and measure.directions["kid"] == "min"
    with pytest.raises(ValueError, match="class-conditional"):
        measure(tiny_cgan(num_classes=None))


@pytest.mark.skipif(BACKEND != "torch", reason="the Inception network runs on PyTorch whatever the backend: once is enough")
def test_paired_quality_is_lpips_and_kid_against_the_targets():
    rng = np.random.default_rng(0)
    conditions = rng.integers(0, 256, (8, 32, 32, 3)).astype("uint8")
    targets = rng.integers(0, 256, (8, 32, 32, 3)).astype("uint8")
    model = tiny_pix2pix()
    measure = PairedQuality(conditions, targets, measures=("lpips", "kid", "fid"), subsets=2)
    figures = measure(model)
    outputs = model.translate(conditions)
    assert figures["lpips"] == pytest.approx(lpips.lpips(outputs, targets, model=measure.lpips_model).mean(), rel=1e-5)
    real = fid.inception_features(targets, network=measure.inception)
    fake = fid.inception_features(outputs, network=measure.inception)
    expected = kid.features_kid(real, fake, subsets=2, seed=0)
    assert figures["kid"] == pytest.approx(expected.value, rel=1e-6)
    assert figures["fid"] == pytest.approx(fid.features_distance(real, fake), rel=1e-6)
    # The evaluation's table (metrics.paired_scores) reports the same KID beside FID.
    scores = paired_scores(outputs, targets, measure.lpips_model, measure.inception)
    default_blocks = kid.features_kid(real, fake)
    assert (scores["kid"], scores["kid_standard_error"], scores["fid"]) == pytest.approx(
        (default_blocks.value, default_blocks.standard_error, figures["fid"]), rel=1e-6
    )
    with pytest.raises(ValueError, match="Unknown measures"):
        PairedQuality(conditions, targets, measures=("psnr",))
