#!/usr/bin/env python3
"""Writes an OCI image layout as a tar (what `skopeo copy oci-archive:` and `podman load` read).

  oci-archive.py OUT.tar CONFIG.json LAYER...

LAYER is SOURCE=DEST: a directory whose contents go under DEST, or a file that becomes DEST. Each LAYER is
one gzipped layer. CONFIG.json holds the image config's "config" object, plus "created" (RFC 3339),
"architecture" and "refName" (the index's org.opencontainers.image.ref.name).

Reproducible: entries sorted, owned by 0:0 (or as "owners" in CONFIG.json says), mtimes set to "created",
gzip without name or time, JSON with sorted keys. The same inputs give the same digests.
"""
import datetime
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry(name, mtime, kind=tarfile.DIRTYPE, mode=0o755, size=0, link="", owner=0):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname, info.mtime = kind, mode, size, link, mtime
    info.uid = info.gid = owner
    info.uname = info.gname = ""
    return info


def layer(source, dest, mtime, owners):
    """An uncompressed layer tar: the parents of dest, then source's files, sorted."""
    dest = dest.strip("/")
    paths = []  # (name in the layer, path on disk)
    if os.path.isdir(source):
        for root, dirs, files in os.walk(source):
            dirs.sort()
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, source)
                paths.append((os.path.join(dest, rel) if dest else rel, full))
        parents = dest.split("/") if dest else []
    else:
        paths.append((dest, source))
        parents = dest.split("/")[:-1]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i in range(len(parents)):
            tar.addfile(entry("/".join(parents[: i + 1]), mtime))
        for name, full in sorted(paths):
            st = os.lstat(full)
            # Permission bits only: no setuid, setgid or group/other write (the sticky bit of /tmp stays).
            mode = stat.S_IMODE(st.st_mode) & 0o1755
            owner = owners.get(name, 0)
            if stat.S_ISLNK(st.st_mode):
                tar.addfile(entry(name, mtime, tarfile.SYMTYPE, 0o777, link=os.readlink(full), owner=owner))
            elif stat.S_ISDIR(st.st_mode):
                tar.addfile(entry(name, mtime, mode=mode, owner=owner))
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    tar.addfile(entry(name, mtime, tarfile.REGTYPE, mode, st.st_size, owner=owner), f)
            else:
                sys.exit(f"oci-archive: {full}: not a file, directory or symlink")
    return buf.getvalue()


def gzipped(data):
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
        gz.write(data)
    return out.getvalue()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def main(out, config_file, *layer_args):
    with open(config_file) as f:
        spec = json.load(f)
    created = spec["created"]
    mtime = int(datetime.datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp())
    owners = spec.get("owners", {})
    blobs, layers, diff_ids, history, unpacked = {}, [], [], [], 0
    for arg in layer_args:
        source, dest = arg.split("=", 1)
        plain = layer(source, dest, mtime, owners)
        packed = gzipped(plain)
        unpacked += len(plain)
        blobs[digest(packed)] = packed
        diff_ids.append(digest(plain))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest(packed), "size": len(packed)})
        history.append({"created": created, "created_by": f"hack/image.sh: {dest}"})
    config = canonical({
        "created": created, "architecture": spec["architecture"], "os": "linux",
        "config": spec["config"], "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history})
    blobs[digest(config)] = config
    manifest = canonical({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": digest(config), "size": len(config)},
        "layers": layers,
        "annotations": spec["config"].get("Labels", {})})
    blobs[digest(manifest)] = manifest
    index = canonical({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": digest(manifest), "size": len(manifest),
                       "annotations": {"org.opencontainers.image.ref.name": spec["refName"]}}]})
    files = {"oci-layout": canonical({"imageLayoutVersion": "1.0.0"}), "index.json": index}
    files.update({"blobs/sha256/" + d.split(":")[1]: b for d, b in blobs.items()})
    tmp = out + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(entry("blobs", mtime))
        tar.addfile(entry("blobs/sha256", mtime))
        for name in sorted(files):
            tar.addfile(entry(name, mtime, tarfile.REGTYPE, 0o644, len(files[name])), io.BytesIO(files[name]))
    os.replace(tmp, out)
    print(json.dumps({"manifest": digest(manifest), "layers_gzipped": sum(l["size"] for l in layers),
                      "layers_tar": unpacked}))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
