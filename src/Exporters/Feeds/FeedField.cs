using System.Text.Json;

namespace Geo.Exporters.Feeds;

/// <summary>
/// One property of a feed's features, as the data dictionary documents it: its JSON name and
/// type, what it means, its HXL hashtag, and the Ushahidi / SAGE post field it fills.
/// </summary>
public sealed record FeedField(string Name, string Type, string Meaning, string Hxl, string Ushahidi)
{
    public JsonEncodedText Json { get; } = JsonEncodedText.Encode(Name);
}
