using Geo.Core.Domain;
using Xunit;

namespace Geo.Core.Tests.Domain;

public sealed class IssuedIdsTests
{
    // Expected values computed apart, with Python: "obs-" + hashlib.sha256((subject + "\0" + key).encode()).hexdigest()[:32]
    [Theory]
    [InlineData("cla-7f3a", "2026-11-03-goma-1", "obs-549c7e41754bd1c4212e6ec1159fc078")]
    [InlineData("ab", "c", "obs-6c032e631d39a14d85aff7e319546af7")]
    [InlineData("a", "bc", "obs-40bb547d936bbd31318ee37ac8799e7e")]
    [InlineData("supé", "clé", "obs-a06081e328d224f8f2aaf64f7cae3790")]
    public void Issue_IsTheDocumentedHashOfSubjectAndKey(string subject, string clientId, string expected) =>
        Assert.Equal(expected, IssuedIds.Observation(subject, clientId));

    [Fact]
    public void SourceAndReferral_AreTheSameHashUnderTheirOwnPrefixes()
    {
        var hash = IssuedIds.Observation("ab", "c")["obs-".Length..];

        Assert.Equal("src-" + hash, IssuedIds.Source("ab", "c"));
        Assert.Equal("ref-" + hash, IssuedIds.Referral("ab", "c"));
    }

    [Fact]
    public void Issue_TheSameKeyFromTwoSubjects_GivesTwoIds() =>
        Assert.NotEqual(IssuedIds.Observation("sup-a", "obs-1"), IssuedIds.Observation("sup-b", "obs-1"));
}
