#!/usr/bin/env python3
"""Unpacks an OCI archive as a container runtime would, checking every digest on the way.

  unpack.py IMAGE.tar DIR

Writes DIR/config.json (the image config) and DIR/rootfs (the layers applied in order). Fails when a blob's
digest or size, or a layer's diff_id, differs from what the index, manifest and config say, or when a
layer has whiteouts (this image's layers only add files).
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def main(archive, out):
    with tarfile.open(archive) as outer:
        def blob(descriptor):
            data = outer.extractfile("blobs/sha256/" + descriptor["digest"].split(":")[1]).read()
            if "sha256:" + hashlib.sha256(data).hexdigest() != descriptor["digest"]:
                sys.exit(f"unpack: blob {descriptor['digest']} does not match its digest")
            if len(data) != descriptor["size"]:
                sys.exit(f"unpack: blob {descriptor['digest']} is not {descriptor['size']} bytes")
            return data

        index = json.load(outer.extractfile("index.json"))
        [descriptor] = index["manifests"]
        manifest = json.loads(blob(descriptor))
        config = json.loads(blob(manifest["config"]))
        diff_ids = config["rootfs"]["diff_ids"]
        if len(diff_ids) != len(manifest["layers"]):
            sys.exit("unpack: the config names a different number of layers than the manifest")
        rootfs = os.path.join(out, "rootfs")
        os.makedirs(rootfs)
        for layer, diff_id in zip(manifest["layers"], diff_ids):
            plain = gzip.decompress(blob(layer))
            if "sha256:" + hashlib.sha256(plain).hexdigest() != diff_id:
                sys.exit(f"unpack: layer {layer['digest']} does not match diff_id {diff_id}")
            with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
                for member in tar.getmembers():
                    if os.path.basename(member.name).startswith(".wh."):
                        sys.exit(f"unpack: unexpected whiteout {member.name}")
                    if member.name.startswith("/") or ".." in member.name.split("/"):
                        sys.exit(f"unpack: unsafe path {member.name}")
                tar.extractall(rootfs, numeric_owner=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(f"unpack: {descriptor['digest']}, {len(diff_ids)} layers into {rootfs}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
