"""Plain PyTorch versions of our Pix2Pix and GauGAN networks and training steps, written the
way the widely used PyTorch code writes them (junyanz/pytorch-CycleGAN-and-pix2pix,
NVlabs/SPADE): `nn.Module`s, channels-first, eager, `loss.backward()` and `torch.optim.Adam`.
`tools/benchmark.py` times them beside our Keras models of the same sizes.

They mirror our networks layer for layer (same widths, kernels, strides, paddings,
normalisations, spectral norm, dropout, losses and optimizers) so that the step does the same
arithmetic; they are not meant to load our weights. The VGG19 of GauGAN's perceptual loss has
random weights here: the weights do not change the cost of the step.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import spectral_norm as torch_spectral_norm


def instance_norm(channels):
    return nn.InstanceNorm2d(channels, affine=False, eps=1e-5)


def norm_layer(kind, channels):
    return nn.BatchNorm2d(channels, momentum=0.1, eps=1e-5) if kind == "batch" else instance_norm(channels)


def outputs_of_each(modules, x):
    """Runs `modules` one after the other on `x` and returns every one's output."""
    outputs = []
    for module in modules:
        x = module(x)
        outputs.append(x)
    return outputs


# --- pix2pix (junyanz: UnetGenerator, NLayerDiscriminator) ------------------------------------


class UnetGenerator(nn.Module):
    def __init__(self, in_channels=3, out_channels=3, filters=64, depth=8, norm="batch", dropout=0.5):
        super().__init__()
        widths = [filters * min(2**i, 8) for i in range(depth)]
        self.down = nn.ModuleList()
        for i, width in enumerate(widths):
            normalized = 0 < i < depth - 1
            layers = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(in_channels if i == 0 else widths[i - 1], width, 4, 2, 1, bias=not normalized))
            if normalized:
                layers.append(norm_layer(norm, width))
            self.down.append(nn.Sequential(*layers))
        self.up = nn.ModuleList()
        for j, i in enumerate(range(depth - 2, -1, -1)):
            in_width = widths[depth - 1] if j == 0 else 2 * widths[i + 1]
            layers = [nn.ReLU(), nn.ConvTranspose2d(in_width, widths[i], 4, 2, 1, bias=False), norm_layer(norm, widths[i])]
            if j < 3 and dropout:
                layers.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))
        self.out = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * widths[0], out_channels, 4, 2, 1), nn.Tanh())

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        for j, block in enumerate(self.up):
            x = torch.cat([block(x), skips[len(skips) - 2 - j]], 1)
        return self.out(x)


class PatchDiscriminator(nn.Module):
    def __init__(self, in_channels=6, filters=64, strided=3, norm="batch"):
        super().__init__()
        layers = [nn.Conv2d(in_channels, filters, 4, 2, 1), nn.LeakyReLU(0.2)]
        width = filters
        for i in range(1, strided + 1):
            previous, width = width, filters * min(2**i, 8)
            layers += [nn.Conv2d(previous, width, 4, 2 if i < strided else 1, 1, bias=False),
                       norm_layer(norm, width), nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(width, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class Pix2PixReference:
    """junyanz's `Pix2PixModel.optimize_parameters()`: D on (condition, real) and
    (condition, fake.detach()) with BCE halved, then G with BCE + 100 L1."""

    def __init__(self, image_size=256, filters=64, depth=8, norm="batch", device="cpu"):
        self.generator = UnetGenerator(3, 3, filters, depth, norm).to(device).train()
        self.discriminator = PatchDiscriminator(6, filters, 3, norm).to(device).train()
        self.optimizer_g = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optimizer_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.bce = nn.BCEWithLogitsLoss()

    def train_step(self, condition, target):
        fake = self.generator(condition)
        # Discriminator.
        for p in self.discriminator.parameters():
            p.requires_grad_(True)
        self.optimizer_d.zero_grad()
        pred_fake = self.discriminator(torch.cat([condition, fake.detach()], 1))
        pred_real = self.discriminator(torch.cat([condition, target], 1))
        loss_d = 0.5 * (self.bce(pred_fake, torch.zeros_like(pred_fake)) + self.bce(pred_real, torch.ones_like(pred_real)))
        loss_d.backward()
        self.optimizer_d.step()
        # Generator.
        for p in self.discriminator.parameters():
            p.requires_grad_(False)
        self.optimizer_g.zero_grad()
        pred_fake = self.discriminator(torch.cat([condition, fake], 1))
        loss_g = self.bce(pred_fake, torch.ones_like(pred_fake)) + 100.0 * F.l1_loss(fake, target)
        loss_g.backward()
        self.optimizer_g.step()
        return loss_d, loss_g


# --- GauGAN (NVlabs SPADE: SPADEGenerator, ConvEncoder, MultiscaleDiscriminator) -------------


def maybe_sn(layer, use):
    return torch_spectral_norm(layer) if use else layer


class SPADE(nn.Module):
    def __init__(self, channels, label_channels, hidden=128):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False, momentum=0.1, eps=1e-5)
        self.shared = nn.Sequential(nn.Conv2d(label_channels, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x, segmap):
        segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
        hidden = self.shared(segmap)
        return self.norm(x) * (1 + self.gamma(hidden)) + self.beta(hidden)


class SPADEResnetBlock(nn.Module):
    def __init__(self, fin, fout, label_channels, hidden=128, spectral=True):
        super().__init__()
        middle = min(fin, fout)
        self.learned_shortcut = fin != fout
        self.conv_0 = maybe_sn(nn.Conv2d(fin, middle, 3, padding=1), spectral)
        self.conv_1 = maybe_sn(nn.Conv2d(middle, fout, 3, padding=1), spectral)
        self.norm_0 = SPADE(fin, label_channels, hidden)
        self.norm_1 = SPADE(middle, label_channels, hidden)
        if self.learned_shortcut:
            self.conv_s = maybe_sn(nn.Conv2d(fin, fout, 1, bias=False), spectral)
            self.norm_s = SPADE(fin, label_channels, hidden)

    def forward(self, x, seg):
        shortcut = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return shortcut + dx


class SPADEGenerator(nn.Module):
    def __init__(self, image_size, num_classes, latent_dim=256, filters=64, num_upsamples=5, spade_filters=128,
                 spectral=True):
        super().__init__()
        top = 16 * filters
        self.grid = image_size // 2**num_upsamples
        self.fc = nn.Linear(latent_dim, self.grid * self.grid * top)
        block = lambda fin, fout: SPADEResnetBlock(fin, fout, num_classes, spade_filters, spectral)  # noqa: E731
        self.head_0 = block(top, top)
        self.middle_0 = block(top, top)
        self.middle_1 = block(top, top)
        widths = [filters * min(2 ** (num_upsamples - 2 - k), 16) for k in range(num_upsamples - 1)]
        self.ups = nn.ModuleList()
        previous = top
        for width in widths:
            self.ups.append(block(previous, width))
            previous = width
        self.conv_img = nn.Conv2d(previous, 3, 3, padding=1)
        self.top = top

    def forward(self, z, seg):
        x = self.fc(z).view(-1, self.top, self.grid, self.grid)
        x = self.head_0(x, seg)
        x = F.interpolate(x, scale_factor=2)
        x = self.middle_1(self.middle_0(x, seg), seg)
        for block in self.ups:
            x = block(F.interpolate(x, scale_factor=2), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


class ConvEncoder(nn.Module):
    def __init__(self, image_size, latent_dim=256, filters=64, spectral=True):
        super().__init__()
        depth = int(math.log2(image_size / 4))
        layers, previous = [], 3
        for i in range(depth):
            width = filters * min(2**i, 8)
            if i:
                layers.append(nn.LeakyReLU(0.2))
            layers += [maybe_sn(nn.Conv2d(previous, width, 3, 2, 1, bias=False), spectral), instance_norm(width)]
            previous = width
        self.model = nn.Sequential(*layers, nn.LeakyReLU(0.2), nn.Flatten())
        self.fc_mu = nn.Linear(previous * 16, latent_dim)
        self.fc_var = nn.Linear(previous * 16, latent_dim)

    def forward(self, x):
        x = self.model(x)
        return self.fc_mu(x), self.fc_var(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, in_channels, filters=64, num_layers=4, spectral=True):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(nn.Conv2d(in_channels, filters, 4, 2, 2), nn.LeakyReLU(0.2))])
        width = filters
        for n in range(1, num_layers):
            previous, width = width, min(width * 2, filters * 8)
            conv = maybe_sn(nn.Conv2d(previous, width, 4, 1 if n == num_layers - 1 else 2, 2, bias=False), spectral)
            self.blocks.append(nn.Sequential(conv, instance_norm(width), nn.LeakyReLU(0.2)))
        self.blocks.append(nn.Conv2d(width, 1, 4, 1, 2))

    def forward(self, x):
        return outputs_of_each(self.blocks, x)


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, in_channels, filters=64, num_layers=4, num_scales=2, spectral=True):
        super().__init__()
        self.scales = nn.ModuleList(NLayerDiscriminator(in_channels, filters, num_layers, spectral)
                                    for _ in range(num_scales))

    def forward(self, x):
        outputs = []
        for i, scale in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
            outputs.append(scale(x))
        return outputs


VGG19_WIDTHS = ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512))


class VGG19Features(nn.Module):
    """relu1_1 ... relu5_1 of a VGG19 (random weights: the cost of the step is what is timed)."""

    def __init__(self):
        super().__init__()
        self.slices, previous, current = nn.ModuleList(), 3, []
        for block, widths in enumerate(VGG19_WIDTHS):
            if block:
                current.append(nn.MaxPool2d(2))
            for k, width in enumerate(widths):
                current += [nn.Conv2d(previous, width, 3, padding=1), nn.ReLU()]
                previous = width
                if k == 0:
                    self.slices.append(nn.Sequential(*current))
                    current = []
        self.requires_grad_(False)

    def forward(self, x):
        return outputs_of_each(self.slices, x)


class GauGANReference:
    """NVlabs SPADE's `Pix2PixTrainer`: `run_generator_one_step` (hinge + 10 FM + 10 VGG + 0.05 KL,
    generator and encoder together) and `run_discriminator_one_step` (hinge), Adam(0, 0.9) with
    learning rates 1e-4 (G) and 4e-4 (D). As in our models, D is updated first."""

    def __init__(self, image_size, num_classes, latent_dim=256, generator_filters=64, discriminator_filters=64,
                 encoder_filters=64, spade_filters=128, num_upsamples=5, discriminator_scales=2,
                 discriminator_layers=4, spectral=True, perceptual=True, device="cpu"):
        self.generator = SPADEGenerator(image_size, num_classes, latent_dim, generator_filters, num_upsamples,
                                        spade_filters, spectral).to(device).train()
        self.encoder = ConvEncoder(image_size, latent_dim, encoder_filters, spectral).to(device).train()
        self.discriminator = MultiscaleDiscriminator(num_classes + 3, discriminator_filters, discriminator_layers,
                                                     discriminator_scales, spectral).to(device).train()
        self.vgg = VGG19Features().to(device).eval() if perceptual else None
        g_params = list(self.generator.parameters()) + list(self.encoder.parameters())
        self.optimizer_g = torch.optim.Adam(g_params, lr=1e-4, betas=(0.0, 0.9))
        self.optimizer_d = torch.optim.Adam(self.discriminator.parameters(), lr=4e-4, betas=(0.0, 0.9))

    def generate(self, seg, image):
        mu, logvar = self.encoder(image)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.generator(z, seg), mu, logvar

    def train_step(self, seg, image):
        # Discriminator.
        self.optimizer_d.zero_grad()
        with torch.no_grad():
            fake, _, _ = self.generate(seg, image)
        pred_fake = self.discriminator(torch.cat([seg, fake], 1))
        pred_real = self.discriminator(torch.cat([seg, image], 1))
        loss_d = sum(F.relu(1 + f[-1]).mean() + F.relu(1 - r[-1]).mean() for f, r in zip(pred_fake, pred_real))
        loss_d = loss_d / len(pred_fake)
        loss_d.backward()
        self.optimizer_d.step()
        # Generator and encoder.
        self.optimizer_g.zero_grad()
        fake, mu, logvar = self.generate(seg, image)
        pred_fake = self.discriminator(torch.cat([seg, fake], 1))
        pred_real = self.discriminator(torch.cat([seg, image], 1))
        loss_g = sum(-f[-1].mean() for f in pred_fake) / len(pred_fake)
        fm = sum(sum(F.l1_loss(f, r.detach()) for f, r in zip(fs[:-1], rs[:-1])) for fs, rs in zip(pred_fake, pred_real))
        loss_g = loss_g + 10.0 * fm / len(pred_fake)
        loss_g = loss_g + 0.05 * (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), 1)).mean()
        if self.vgg is not None:
            weights = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)
            fake_features, real_features = self.vgg(fake), self.vgg(image)
            loss_g = loss_g + 10.0 * sum(w * F.l1_loss(f, r.detach())
                                         for w, f, r in zip(weights, fake_features, real_features))
        loss_g.backward()
        self.optimizer_g.step()
        return loss_d, loss_g
