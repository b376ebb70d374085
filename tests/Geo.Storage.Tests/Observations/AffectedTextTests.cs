using Geo.Storage.Observations;
using Xunit;

namespace Geo.Storage.Tests.Observations;

/// <summary>The people affected as every read of observations takes them: the array's text, as PostgreSQL writes it.</summary>
public sealed class AffectedTextTests
{
    [Fact]
    public void Parse_ReadsTwelveCounts_InOrder()
    {
        var counts = new int[12];

        AffectedText.Parse("{0,3,0,0,2147483647,1,0,0,0,0,255,9}", counts);

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
    public void Parse_RefusesWhatIsNotTwelveCounts(string text)
    {
        Assert.ThrowsAny<FormatException>(() => AffectedText.Parse(text, new int[12]));
    }
}
