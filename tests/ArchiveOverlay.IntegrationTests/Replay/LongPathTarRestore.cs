using ArchiveOverlay.IntegrationTests.Podman;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Restores a tar.gz whose paths exceed PATH_MAX, which GNU tar cannot extract (README, known
/// limits). Python's tarfile reads the entries (PAX paths, binary names, GNU sparse 1.0, xattrs);
/// the script walks to each parent with one relative chdir per component, so no call sees a long
/// path, and applies owner, mode, xattrs and times the way GNU tar does, directories last. Like
/// GNU tar it reads %3D and %25 in SCHILY.xattr keywords as '=' and '%'.
/// </summary>
internal static class LongPathTarRestore
{
    private const string Script = """
        import decimal, os, re, stat, sys, tarfile

        archive, destination = sys.argv[1], sys.argv[2]
        os.chdir(destination)
        current = ""

        def relative(name):
            name = name[2:] if name.startswith("./") else name
            return name.rstrip("/")

        # Entries come parents first, so each move is a few steps up and one down; the
        # string tests keep a 10,000-level tree linear.
        def walk_to(target):
            global current
            while not (target == current or current == "" or target.startswith(current + "/")):
                os.chdir(b"..")
                current = current.rpartition("/")[0]
            if target != current:
                rest = target[len(current) + 1:] if current else target
                for part in rest.split("/"):
                    os.chdir(os.fsencode(part))
                current = target

        def times(member):
            text = member.pax_headers.get("mtime")
            value = decimal.Decimal(text) if text is not None else decimal.Decimal(member.mtime)
            nanoseconds = int((value * 1000000000).to_integral_value(rounding=decimal.ROUND_FLOOR))
            return (nanoseconds, nanoseconds)

        def apply_metadata(name, member):
            os.chown(name, member.uid, member.gid, follow_symlinks=False)
            if not member.issym():
                os.chmod(name, member.mode)
            for key, value in member.pax_headers.items():
                if key.startswith("SCHILY.xattr."):
                    xattr = re.sub("%(3D|25)", lambda m: "=" if m[1] == "3D" else "%",
                                   key[len("SCHILY.xattr."):])
                    os.setxattr(name, os.fsencode(xattr),
                                value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
            os.utime(name, ns=times(member), follow_symlinks=False)

        directories = []
        with tarfile.open(archive, "r:gz", encoding="utf-8", errors="surrogateescape") as tar:
            for member in tar:
                path = relative(member.name)
                if not path:
                    directories.append((path, member))
                    continue
                parent, _, base = path.rpartition("/")
                walk_to(parent)
                name = os.fsencode(base)
                if member.isdir():
                    if not os.path.isdir(name):
                        os.mkdir(name, 0o700)
                    directories.append((path, member))
                    continue
                if member.isreg():
                    source = tar.extractfile(member)
                    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    regions = member.sparse if member.sparse is not None else [(0, member.size)]
                    for offset, length in regions:
                        source.seek(offset)
                        while length > 0:
                            chunk = source.read(min(length, 1 << 20))
                            os.pwrite(fd, chunk, offset)
                            offset += len(chunk)
                            length -= len(chunk)
                    os.ftruncate(fd, member.size)
                    os.close(fd)
                elif member.issym():
                    os.symlink(os.fsencode(member.linkname), name)
                elif member.islnk():
                    first = os.path.join(os.fsencode(destination), os.fsencode(member.linkname))
                    os.link(first, name)
                    continue
                elif member.ischr() or member.isblk():
                    kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK
                    os.mknod(name, kind | 0o600, os.makedev(member.devmajor, member.devminor))
                elif member.isfifo():
                    os.mkfifo(name, 0o600)
                else:
                    raise SystemExit(f"unsupported member {member.name!r}")
                apply_metadata(name, member)
        for path, member in reversed(directories):
            walk_to(path)
            apply_metadata(".", member)
        """;

    public static void Run(string archive, string destination)
    {
        CommandResult.Run("python3", ["-c", Script, archive, destination]).EnsureSuccess();
    }
}
