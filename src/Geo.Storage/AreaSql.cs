namespace Geo.Storage;

/// <summary>The SQL condition that keeps a registry record to a caller's area, shared by every query of bases and communities.</summary>
internal static class AreaSql
{
    /// <summary>
    /// <paramref name="column"/> lies in the area given as a geometry parameter by <paramref name="areaPlaceholder"/>.
    /// ST_Intersects (index-assisted) alone is true for a polygon of a neighbouring sector that
    /// only touches the border: it must also lie in the area (a point on the border counts, as
    /// writes accept it) or share interior with it.
    /// </summary>
    public static string Inside(string column, string areaPlaceholder) =>
        $"(ST_Intersects({column}, {areaPlaceholder}) " +
        $"AND (ST_CoveredBy({column}, {areaPlaceholder}) OR ST_Relate({column}, {areaPlaceholder}, 'T********')))";
}
