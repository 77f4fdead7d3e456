"""Independent reference for Keras' Xception forward pass, in NumPy (float64).

Reads a Keras 2 HDF5 weights file with h5py exactly as Keras does, runs the
network of keras/applications/xception.py (include_top=False, pooling='avg')
on raw RGB pixels, and prints the 2048-d feature of each image as JSON.
Used by tests to check the TF.js implementation against something that
shares none of its code. Needs h5py and numpy (Debian: python3-h5py).

usage: xception_reference.py WEIGHTS.h5 SIZE PIXELS.bin [PIXELS.bin ...]
  PIXELS.bin: SIZE*SIZE*3 uint8, RGB, row-major (HWC)
"""
import json
import re
import sys

import h5py
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows


def load_weights(path):
    f = h5py.File(path, 'r')
    root = f['model_weights'] if 'model_weights' in f else f
    names = [n.decode('utf8') for n in root.attrs['layer_names']]
    weights = {}
    for name in names:
        g = root[name]
        wn = [w.decode('utf8') for w in g.attrs['weight_names']]
        weights[name] = {re.sub(r':\d+$', '', w.split('/')[-1]): np.asarray(g[w], dtype=np.float64) for w in wn}
    # The residual convs / BNs are unnamed in Keras: take them in file order, as Keras' load_weights does.
    convs = [n for n in names if re.fullmatch(r'conv2d(_\d+)?', n)]
    bns = [n for n in names if re.fullmatch(r'batch_normalization(_\d+)?', n)]
    return weights, convs, bns


def pad_same(x, k, s, value=0.0):
    """TensorFlow 'same' padding: total = max((ceil(n/s)-1)*s + k - n, 0), the extra pixel after."""
    pads = []
    for n in x.shape[:2]:
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, (pads[0], pads[1], (0, 0)), constant_values=value)


def conv(x, kernel, stride=1, padding='valid'):
    k = kernel.shape[0]
    if padding == 'same':
        x = pad_same(x, k, stride)
    win = windows(x, (k, k), axis=(0, 1))[::stride, ::stride]  # H', W', C, kh, kw
    return np.einsum('hwcij,ijco->hwo', win, kernel)


def separable(x, w):
    d = w['depthwise_kernel']  # kh, kw, C, 1
    win = windows(pad_same(x, d.shape[0], 1), (d.shape[0], d.shape[1]), axis=(0, 1))
    x = np.einsum('hwcij,ijc->hwc', win, d[..., 0])
    return np.einsum('hwc,co->hwo', x, w['pointwise_kernel'][0, 0])


def bn(x, w):
    return (x - w['moving_mean']) / np.sqrt(w['moving_variance'] + 1e-3) * w['gamma'] + w['beta']


def relu(x):
    return np.maximum(x, 0)


def maxpool(x):
    return windows(pad_same(x, 3, 2, -np.inf), (3, 3), axis=(0, 1))[::2, ::2].max(axis=(-2, -1))


def xception_features(x, W, convs, bns):
    res = iter(zip(convs, bns))

    def residual(t):
        c, b = next(res)
        return bn(conv(t, W[c]['kernel'], 2, 'same'), W[b])

    def sep_bn(t, name):
        return bn(separable(t, W[name]), W[name + '_bn'])

    x = relu(bn(conv(x, W['block1_conv1']['kernel'], 2), W['block1_conv1_bn']))
    x = relu(bn(conv(x, W['block1_conv2']['kernel'], 1), W['block1_conv2_bn']))
    r = residual(x)
    x = sep_bn(x, 'block2_sepconv1')
    x = sep_bn(relu(x), 'block2_sepconv2')
    x = maxpool(x) + r
    for b in (3, 4):
        r = residual(x)
        x = sep_bn(relu(x), f'block{b}_sepconv1')
        x = sep_bn(relu(x), f'block{b}_sepconv2')
        x = maxpool(x) + r
    for b in range(5, 13):
        r = x
        for j in (1, 2, 3):
            x = sep_bn(relu(x), f'block{b}_sepconv{j}')
        x = x + r
    r = residual(x)
    x = sep_bn(relu(x), 'block13_sepconv1')
    x = sep_bn(relu(x), 'block13_sepconv2')
    x = maxpool(x) + r
    x = relu(sep_bn(x, 'block14_sepconv1'))
    x = relu(sep_bn(x, 'block14_sepconv2'))
    return x.mean(axis=(0, 1))


def main():
    weights_file, size, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    W, convs, bns = load_weights(weights_file)
    out = []
    for f in files:
        px = np.fromfile(f, dtype=np.uint8).reshape(size, size, 3).astype(np.float64)
        out.append(xception_features(px / 127.5 - 1.0, W, convs, bns).tolist())
    print(json.dumps(out))


if __name__ == '__main__':
    main()
