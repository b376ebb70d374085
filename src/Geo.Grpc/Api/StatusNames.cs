using Grpc.Core;

namespace Geo.Grpc.Api;

/// <summary>The spec's spelling of status codes (<c>INVALID_ARGUMENT</c>), as people and tools know them.</summary>
public static class StatusNames
{
    public static string Of(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        _ => string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant(),
    };
}
