using Geo.Storage.ReadModel;
using Xunit;

namespace Geo.Storage.Tests.ReadModel;

/// <summary>The people affected as the model reads them: the array's text, as PostgreSQL writes it.</summary>
public sealed class ModelSourceTests
{
    [Fact]
    public void ParseCounts_ReadsTwelveCounts_InOrder()
    {
        var counts = new int[12];

        ModelSource.ParseCounts("{0,3,0,0,2147483647,1,0,0,0,0,255,9}", counts);

        Assert.Equal([0, 3, 0, 0, int.MaxValue, 1, 0, 0, 0, 0, 255, 9], counts);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{1,2,3}")]
    [InlineData("{0,0,0,0,0,0,0,0,0,0,0,0,0}")]
    [InlineData("0,0,0,0,0,0,0,0,0,0,0,0")]
    [InlineData("{0,0,0,0,0,0,0,0,0,0,0,-1}")]
    [InlineData("{0,0,0,0,0,0,0,0,0,0,0,NULL}")]
    [InlineData("{0,0,0,0,0,0,0,0,0,0,0,2147483648}")]
    public void ParseCounts_RefusesWhatIsNotTwelveCounts(string text)
    {
        Assert.ThrowsAny<FormatException>(() => ModelSource.ParseCounts(text, new int[12]));
    }
}
