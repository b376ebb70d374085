using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Testing.Browser;
using Xunit;
using Xunit.Abstractions;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Map;

/// <summary>What the map page's browser tests share: screenshots, layers pulled over HTTP, and the page's view as a filter.</summary>
internal static class MapTestPage
{
    /// <summary>The categories the page counts by default: the threat and alert ones, not community engagement.</summary>
    public static readonly string[] ThreatCategories =
        ["CATEGORY_THREAT_OF_PHYSICAL_VIOLENCE", "CATEGORY_ARMED_GROUP_MOVEMENT", "CATEGORY_DISPLACEMENT", "CATEGORY_EARLY_WARNING_ALERT"];

    /// <summary>The verification statuses the page counts by default: every one but discredited.</summary>
    public static readonly string[] NotDiscredited = ["VERIFICATION_STATUS_REPORTED", "VERIFICATION_STATUS_VERIFIED"];

    /// <summary>Saves what the page shows under the test output's TestResults folder.</summary>
    public static async Task SaveScreenshotAsync(BrowserPage page, string name, ITestOutputHelper output)
    {
        var directory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;
        var path = Path.Combine(directory, name);
        await File.WriteAllBytesAsync(path, await page.ScreenshotAsync());
        output.WriteLine($"screenshot: {path}");
    }

    /// <summary>A layer as <paramref name="token"/> pulls it over HTTP; anything but 200 fails the test with the service's answer.</summary>
    public static async Task<JsonDocument> PullLayerAsync(HttpClient http, Uri service, string token, string layer, IEnumerable<(string Name, string Value)> parameters)
    {
        var query = string.Join('&', parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service, $"/feeds/layers/{layer}?{query}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{layer}?{query}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    /// <summary>The box and period of a request the page made (west, south, east, north, from, to), as an observation filter.</summary>
    public static ObservationFilter BoxAndPeriodOf(JsonElement view) => new()
    {
        Area = new Area
        {
            Bbox = new BoundingBox
            {
                West = view.GetProperty("west").GetDouble(), South = view.GetProperty("south").GetDouble(),
                East = view.GetProperty("east").GetDouble(), North = view.GetProperty("north").GetDouble(),
            },
        },
        ObservedFrom = Time(view.GetProperty("from").GetString()!),
        ObservedTo = Time(view.GetProperty("to").GetString()!),
    };

    public static string Date(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
