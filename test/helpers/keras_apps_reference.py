"""Independent NumPy (float64) references for Keras' MobileNetV2, ResNet50 and
EfficientNetB0 (include_top=False, pooling='avg'), written from
keras/applications/{mobilenet_v2,resnet,efficientnet}.py and sharing no code
with the TF.js builders. Weights are read with h5py exactly as Keras stores
them (layer_names / weight_names); every layer is looked up by its Keras
name, so a misnamed layer in the TF.js model shows up as a KeyError here or
as a numeric mismatch in the test.

usage: keras_apps_reference.py NET WEIGHTS.h5 SIZE PIXELS.bin [PIXELS.bin ...]
  NET: mobilenet_v2 | resnet50 | efficientnet_b0
  PIXELS.bin: SIZE*SIZE*3 uint8, RGB, row-major (HWC); prints JSON features.
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
    out = {}
    for name in [n.decode('utf8') for n in root.attrs['layer_names']]:
        g = root[name]
        wn = [w.decode('utf8') for w in g.attrs['weight_names']]
        out[name] = {re.sub(r':\d+$', '', w.split('/')[-1]): np.asarray(g[w], dtype=np.float64) for w in wn}
    return out


def pad_same(x, k, s):
    """TensorFlow 'same': total = max((ceil(n/s)-1)*s + k - n, 0), the odd pixel after."""
    pads = []
    for n in x.shape[:2]:
        total = max((-(-n // s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, (pads[0], pads[1], (0, 0)))


def zero_pad(x, pads):
    return np.pad(x, (pads[0], pads[1], (0, 0)))


def correct_pad(x, k):
    adjust = (1 - x.shape[0] % 2, 1 - x.shape[1] % 2)
    c = k // 2
    return ((c - adjust[0], c), (c - adjust[1], c))


def conv(x, w, stride=1, padding='valid'):
    kernel = w['kernel']
    k = kernel.shape[0]
    if padding == 'same':
        x = pad_same(x, k, stride)
    win = windows(x, (k, k), axis=(0, 1))[::stride, ::stride]
    y = np.einsum('hwcij,ijco->hwo', win, kernel)
    return y + w['bias'] if 'bias' in w else y


def depthwise(x, w, stride=1, padding='valid'):
    d = w['depthwise_kernel'][..., 0]
    k = d.shape[0]
    if padding == 'same':
        x = pad_same(x, k, stride)
    win = windows(x, (k, k), axis=(0, 1))[::stride, ::stride]
    return np.einsum('hwcij,ijc->hwc', win, d)


def bn(x, w, eps):
    return (x - w['moving_mean']) / np.sqrt(w['moving_variance'] + eps) * w['gamma'] + w['beta']


relu = lambda x: np.maximum(x, 0)
relu6 = lambda x: np.clip(x, 0, 6)
sigmoid = lambda x: 1 / (1 + np.exp(-x))
swish = lambda x: x * sigmoid(x)


def make_divisible(v, divisor=8):
    n = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return n + divisor if n < 0.9 * v else n


def mobilenet_v2(x, W):
    e = 1e-3
    x = relu6(bn(conv(x, W['Conv1'], 2, 'same'), W['bn_Conv1'], e))
    spec = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
            (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
    for block_id, (filters, stride, expansion) in enumerate(spec):
        inputs, cin, out = x, x.shape[-1], make_divisible(filters)
        p = f'block_{block_id}_' if block_id else 'expanded_conv_'
        if block_id:
            x = relu6(bn(conv(x, W[p + 'expand']), W[p + 'expand_BN'], e))
        if stride == 2:
            x = depthwise(zero_pad(x, correct_pad(x, 3)), W[p + 'depthwise'], 2)
        else:
            x = depthwise(x, W[p + 'depthwise'], 1, 'same')
        x = relu6(bn(x, W[p + 'depthwise_BN'], e))
        x = bn(conv(x, W[p + 'project']), W[p + 'project_BN'], e)
        if cin == out and stride == 1:
            x = inputs + x
    x = relu6(bn(conv(x, W['Conv_1']), W['Conv_1_bn'], e))
    return x.mean(axis=(0, 1))


def maxpool3s2(x):
    return windows(x, (3, 3), axis=(0, 1))[::2, ::2].max(axis=(-2, -1))


def resnet50(x, W):
    e = 1.001e-5
    x = relu(bn(conv(zero_pad(x, ((3, 3), (3, 3))), W['conv1_conv'], 2), W['conv1_bn'], e))
    x = maxpool3s2(zero_pad(x, ((1, 1), (1, 1))))
    for stage, filters, blocks, stride1 in ((2, 64, 3, 1), (3, 128, 4, 2), (4, 256, 6, 2), (5, 512, 3, 2)):
        for b in range(1, blocks + 1):
            n, s = f'conv{stage}_block{b}', (stride1 if b == 1 else 1)
            short = bn(conv(x, W[n + '_0_conv'], s), W[n + '_0_bn'], e) if b == 1 else x
            y = relu(bn(conv(x, W[n + '_1_conv'], s), W[n + '_1_bn'], e))
            y = relu(bn(conv(y, W[n + '_2_conv'], 1, 'same'), W[n + '_2_bn'], e))
            y = bn(conv(y, W[n + '_3_conv']), W[n + '_3_bn'], e)
            x = relu(short + y)
    return x.mean(axis=(0, 1))


IMAGENET_STDDEV_RGB = np.array([0.229, 0.224, 0.225])


def efficientnet_b0(x, W):
    e = 1e-3
    n = W['normalization']
    # Keras' Normalization, then (weights='imagenet') Rescaling(1/sqrt(IMAGENET_STDDEV_RGB)).
    x = x / 255.0
    x = (x - n['mean'].reshape(-1)) / np.maximum(np.sqrt(n['variance'].reshape(-1)), 1e-7)
    x = x / np.sqrt(IMAGENET_STDDEV_RGB)
    x = swish(bn(conv(zero_pad(x, correct_pad(x, 3)), W['stem_conv'], 2), W['stem_bn'], e))
    args = [(3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1)]
    for i, (k, repeats, fin, fout, expand, strides) in enumerate(args):
        for j in range(repeats):
            if j > 0:
                strides, fin = 1, fout
            p = f'block{i + 1}{chr(97 + j)}_'
            inputs = x
            if expand != 1:
                x = swish(bn(conv(x, W[p + 'expand_conv']), W[p + 'expand_bn'], e))
            if strides == 2:
                x = depthwise(zero_pad(x, correct_pad(x, k)), W[p + 'dwconv'], 2)
            else:
                x = depthwise(x, W[p + 'dwconv'], 1, 'same')
            x = swish(bn(x, W[p + 'bn'], e))
            se = x.mean(axis=(0, 1)).reshape(1, 1, -1)
            se = swish(conv(se, W[p + 'se_reduce']))
            se = sigmoid(conv(se, W[p + 'se_expand']))
            x = x * se
            x = bn(conv(x, W[p + 'project_conv']), W[p + 'project_bn'], e)
            if strides == 1 and fin == fout:
                x = x + inputs  # drop-connect is the identity at inference
    x = swish(bn(conv(x, W['top_conv']), W['top_bn'], e))
    return x.mean(axis=(0, 1))


def preprocess(net, px):
    if net == 'mobilenet_v2':
        return px / 127.5 - 1.0
    if net == 'resnet50':
        return px[..., ::-1] - np.array([103.939, 116.779, 123.68])  # 'caffe': BGR, ImageNet means
    return px  # EfficientNet scales inside the model


def main():
    net, weights_file, size, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    W = load_weights(weights_file)
    fn = {'mobilenet_v2': mobilenet_v2, 'resnet50': resnet50, 'efficientnet_b0': efficientnet_b0}[net]
    out = []
    for f in files:
        px = np.fromfile(f, dtype=np.uint8).reshape(size, size, 3).astype(np.float64)
        out.append(fn(preprocess(net, px), W).tolist())
    print(json.dumps(out))


if __name__ == '__main__':
    main()
