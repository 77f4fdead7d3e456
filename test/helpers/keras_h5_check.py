"""Reads a Keras 2 HDF5 model file with h5py the way Keras' load_model and
load_weights do, and prints one JSON report: the root attributes, the model
config's layers, the model_weights layout, and every problem found, where the
weight shapes each layer's config implies (channels followed through the
graph) are compared with the datasets named by its weight_names.

Usage: python3 keras_h5_check.py FILE.h5
"""
import json
import sys

import h5py
import numpy as np


def text(v):
    return v.decode("utf-8") if hasattr(v, "decode") else str(v)


def string_list(attrs, name):
    # As Keras' load_attributes_from_hdf5_group reads them.
    return [text(n) for n in attrs[name]] if name in attrs else None


def expected_weights(layer, channels_in):
    """(weight name suffix, shape) in Keras' order, and the layer's output channels."""
    cls, c = layer["class_name"], layer["config"]
    if cls == "Conv2D":
        w = [("kernel", [*c["kernel_size"], channels_in, c["filters"]])]
        return w + ([("bias", [c["filters"]])] if c["use_bias"] else []), c["filters"]
    if cls == "SeparableConv2D":
        dm = c.get("depth_multiplier", 1)
        w = [("depthwise_kernel", [*c["kernel_size"], channels_in, dm]), ("pointwise_kernel", [1, 1, channels_in * dm, c["filters"]])]
        return w + ([("bias", [c["filters"]])] if c["use_bias"] else []), c["filters"]
    if cls == "BatchNormalization":
        w = ([("gamma", [channels_in])] if c.get("scale", True) else []) + ([("beta", [channels_in])] if c.get("center", True) else [])
        return w + [("moving_mean", [channels_in]), ("moving_variance", [channels_in])], channels_in
    if cls == "Dense":
        return [("kernel", [channels_in, c["units"]])] + ([("bias", [c["units"]])] if c["use_bias"] else []), c["units"]
    if cls == "InputLayer":
        return [], c["batch_input_shape"][-1]
    if cls in ("Activation", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Dropout", "Add", "ZeroPadding2D", "Flatten", "ReLU"):
        return [], channels_in
    raise ValueError(f"layer {layer.get('name', c.get('name'))}: class {cls} not known to this check")


def main(file):
    problems = []
    f = h5py.File(file, "r")
    report = {"rootAttributes": sorted(f.attrs.keys())}
    for key in ("keras_version", "backend"):
        report[key] = text(f.attrs[key]) if key in f.attrs else None
        if report[key] is None:
            problems.append(f"root attribute {key} missing")
    if "model_config" not in f.attrs:
        print(json.dumps({**report, "problems": problems + ["root attribute model_config missing"]}))
        return
    config = json.loads(text(f.attrs["model_config"]))
    report["modelClass"] = config["class_name"]
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    sequential = config["class_name"] == "Sequential"
    names = [l["config"]["name"] if sequential else l["name"] for l in layers]
    report["layers"] = [{"name": n, "className": l["class_name"]} for n, l in zip(names, layers)]
    first = layers[0]["config"]
    report["inputShape"] = first.get("batch_input_shape")

    # Output channels of every layer, in config order (inbound layers come first).
    channels = {}
    expected = {}
    for k, (name, layer) in enumerate(zip(names, layers)):
        if sequential:
            inbound = [names[k - 1]] if k > 0 else []
        else:
            inbound = [node[0] for nodes in layer["inbound_nodes"] for node in nodes]
        if layer["class_name"] == "InputLayer" or (sequential and k == 0):
            cin = layer["config"]["batch_input_shape"][-1]
        else:
            cin = channels[inbound[0]]
            if layer["class_name"] == "Add" and any(channels[i] != cin for i in inbound):
                problems.append(f"{name}: adds tensors of {[channels[i] for i in inbound]} channels")
        expected[name], channels[name] = expected_weights(layer, cin)

    if "model_weights" not in f:
        problems.append("group model_weights missing")
        print(json.dumps({**report, "problems": problems}))
        return
    mw = f["model_weights"]
    layer_names = string_list(mw.attrs, "layer_names")
    report["weightsLayout"] = {
        "layerNames": layer_names,
        "keras_version": text(mw.attrs["keras_version"]) if "keras_version" in mw.attrs else None,
        "backend": text(mw.attrs["backend"]) if "backend" in mw.attrs else None,
    }
    if layer_names != names:
        problems.append("model_weights layer_names differ from the model config's layers")
    weights = {}
    for name in layer_names or []:
        if name not in mw:
            problems.append(f"model_weights/{name} missing")
            continue
        g = mw[name]
        weight_names = string_list(g.attrs, "weight_names")
        if weight_names is None:
            problems.append(f"model_weights/{name}: attribute weight_names missing")
            continue
        found = []
        for wn in weight_names:
            if wn not in g:
                problems.append(f"model_weights/{name}/{wn}: dataset missing")
                continue
            d = g[wn]
            found.append({"name": wn, "shape": list(d.shape), "dtype": str(d.dtype), "sum": float(np.sum(d[()], dtype=np.float64))})
            if d.dtype != "float32":
                problems.append(f"model_weights/{name}/{wn}: dtype {d.dtype}, expected float32")
        weights[name] = found
        want = expected.get(name, [])
        got = [(w["name"].split("/")[-1].split(":")[0], w["shape"]) for w in found]
        if [n for n, _ in got] != [n for n, _ in want] or any(w["name"].split("/")[0] != name for w in found):
            problems.append(f"{name}: weights {[w['name'] for w in found]}, the config implies {[n for n, _ in want]}")
        else:
            for (n, shape), (_, want_shape) in zip(got, want):
                if shape != want_shape:
                    problems.append(f"{name}/{n}: shape {shape}, the config implies {want_shape}")
    report["weights"] = {n: w for n, w in weights.items() if w}
    report["problems"] = problems
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
