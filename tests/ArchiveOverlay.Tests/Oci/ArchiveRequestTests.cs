using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;

namespace ArchiveOverlay.Tests.Oci;

public sealed class ArchiveRequestTests
{
    private const string Prefix = "com.launchplatform.oci-hooks.archive-overlay.x.";

    private static Dictionary<string, string> Fields(params (string Field, string Value)[] extra)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mount-point"] = "/data",
            ["archive-to"] = "/out/data",
        };
        foreach (var (field, value) in extra)
        {
            fields[field] = value;
        }
        return fields;
    }

    private static InvalidInputException Reject(params (string Field, string Value)[] extra)
    {
        var fields = Fields(extra);
        return Assert.Throws<InvalidInputException>(
            () => ArchiveRequest.FromAnnotations("x", fields));
    }

    [Fact]
    public void MountPointAndArchiveToAloneGiveACopyWithoutSuccessFileOrOwner()
    {
        var request = ArchiveRequest.FromAnnotations("x", Fields());

        Assert.Equal(
            new ArchiveRequest("x", "/data", "/out/data", null, ArchiveMethod.Copy, null),
            request);
    }

    [Theory]
    [InlineData("copy", ArchiveMethod.Copy)]
    [InlineData("tar.gz", ArchiveMethod.TarGz)]
    public void MethodSelectsTheFormat(string value, ArchiveMethod expected)
    {
        var request = ArchiveRequest.FromAnnotations("x", Fields(("method", value)));

        Assert.Equal(expected, request.Method);
    }

    [Theory]
    [InlineData("zip")]
    [InlineData("")]
    [InlineData("TAR.GZ")]
    [InlineData("Copy")]
    [InlineData("tar")]
    [InlineData("tgz")]
    [InlineData(" copy")]
    public void UnknownMethodIsRejected(string value)
    {
        var error = Reject(("method", value));

        Assert.Equal(
            $"annotation '{Prefix}method' has invalid value '{value}': "
            + "expected 'copy' or 'tar.gz'",
            error.Message);
    }

    [Theory]
    [InlineData("archive-to", "out/data")]
    [InlineData("archive-to", "")]
    [InlineData("archive-to", "./out")]
    [InlineData("archive-to", "~/out")]
    [InlineData("success", "done")]
    [InlineData("success", "")]
    public void RelativePathIsRejected(string field, string value)
    {
        var error = Reject((field, value));

        Assert.Equal(
            $"annotation '{Prefix}{field}' has invalid value '{value}': expected an absolute path",
            error.Message);
    }

    [Theory]
    [InlineData("archive-to", "/")]
    [InlineData("archive-to", "//")]
    [InlineData("archive-to", "/out/..")]
    [InlineData("archive-to", "/..")]
    [InlineData("success", "/")]
    [InlineData("success", "/./")]
    public void RootDirectoryIsRejected(string field, string value)
    {
        var error = Reject((field, value));

        Assert.Equal(
            $"annotation '{Prefix}{field}' has invalid value '{value}': "
            + "the path names the root directory",
            error.Message);
    }

    [Theory]
    [InlineData("archive-to")]
    [InlineData("success")]
    public void PathWithNulIsRejected(string field)
    {
        var error = Reject((field, "/out/a\0b"));

        Assert.Equal(
            $"annotation '{Prefix}{field}' has invalid value '/out/a\0b': "
            + "the path contains a NUL byte",
            error.Message);
    }

    [Theory]
    [InlineData("/out/data/ok")]
    [InlineData("/out/data/sub/../ok")]
    public void SuccessFileInsideTheArchiveIsRejected(string success)
    {
        var error = Reject(("success", success));

        Assert.Equal(
            $"annotation '{Prefix}success' has invalid value '{success}': it lies inside the archive",
            error.Message);
    }

    [Fact]
    public void SuccessFileBesideTheArchiveWithACommonPrefixIsAccepted()
    {
        var request = ArchiveRequest.FromAnnotations("a", Fields(("success", "/out/data.ok")));

        Assert.Equal("/out/data.ok", request.SuccessPath);
    }

    [Theory]
    [InlineData("/out/data")]
    [InlineData("/out/data/")]
    [InlineData("//out/./data")]
    [InlineData("/out/x/../data")]
    public void SuccessFileNamingTheArchiveIsRejected(string success)
    {
        var error = Reject(("success", success));

        Assert.Equal(
            $"annotation '{Prefix}success' has invalid value '{success}': "
            + "it names the archive itself",
            error.Message);
    }

    [Fact]
    public void SuccessFileIsKeptClean()
    {
        var request = ArchiveRequest.FromAnnotations("x", Fields(("success", "/out//data.done/")));

        Assert.Equal("/out/data.done", request.SuccessPath);
    }

    [Theory]
    [InlineData("/out/data/", "/out/data")]
    [InlineData("//out/./data", "/out/data")]
    [InlineData("/out/x/../data", "/out/data")]
    public void ArchiveToIsKeptClean(string value, string expected)
    {
        var request = ArchiveRequest.FromAnnotations("x", Fields(("archive-to", value)));

        Assert.Equal(expected, request.ArchiveTo);
    }

    [Theory]
    [InlineData("/data/", "/data")]
    [InlineData("//data/./x/..", "/data")]
    [InlineData("/data//sub/", "/data/sub")]
    [InlineData("/", "/")]
    public void MountPointIsKeptClean(string value, string expected)
    {
        var request = ArchiveRequest.FromAnnotations("x", Fields(("mount-point", value)));

        Assert.Equal(expected, request.MountPoint);
    }

    [Theory]
    [InlineData("0", 0u, null)]
    [InlineData("2000", 2000u, null)]
    [InlineData("2000:3000", 2000u, 3000u)]
    [InlineData("0:0", 0u, 0u)]
    [InlineData("4294967294:0", 4294967294u, 0u)]
    [InlineData("0:4294967294", 0u, 4294967294u)]
    [InlineData("007", 7u, null)]
    [InlineData("00000000001:0000000000002", 1u, 2u)]
    public void TarContentOwnerTakesUidAndOptionalGid(string value, uint uid, uint? gid)
    {
        var request = ArchiveRequest.FromAnnotations("x", Fields(("tar-content-owner", value)));

        Assert.Equal(new ContentOwner(uid, gid), request.TarContentOwner);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("1:")]
    [InlineData(":1")]
    [InlineData(":")]
    [InlineData("1:2:3")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1:-2")]
    [InlineData("1.0")]
    [InlineData("0x10")]
    [InlineData("4294967295")]
    [InlineData("0:4294967295")]
    [InlineData("99999999999")]
    [InlineData("\u0661")]
    [InlineData("root")]
    [InlineData("root:root")]
    public void MalformedTarContentOwnerIsRejected(string value)
    {
        var error = Reject(("tar-content-owner", value));

        Assert.Equal(
            $"annotation '{Prefix}tar-content-owner' has invalid value '{value}': "
            + "expected UID or UID:GID",
            error.Message);
    }

    [Fact]
    public void ErrorNamesTheArchiveItBelongsTo()
    {
        var fields = Fields(("method", "zip"));

        var error = Assert.Throws<InvalidInputException>(
            () => ArchiveRequest.FromAnnotations("logs", fields));

        Assert.Equal(
            "annotation 'com.launchplatform.oci-hooks.archive-overlay.logs.method' "
            + "has invalid value 'zip': expected 'copy' or 'tar.gz'",
            error.Message);
    }

    [Fact]
    public void EveryFieldIsCarriedIntoTheRequest()
    {
        var fields = Fields(
            ("method", "tar.gz"),
            ("success", "/out/data.ok"),
            ("tar-content-owner", "1000:100"));

        var request = ArchiveRequest.FromAnnotations("x", fields);

        var expected = new ArchiveRequest(
            "x",
            "/data",
            "/out/data",
            "/out/data.ok",
            ArchiveMethod.TarGz,
            new ContentOwner(1000, 100));
        Assert.Equal(expected, request);
    }
}
