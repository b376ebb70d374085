using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Exporters.Feeds;
using Geo.Exporters.Layers;
using Geo.Grpc.Api;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Ingest;

/// <summary>Communities: a point or polygon; the communities-at-risk layer's names where they mean the same thing.</summary>
internal sealed class CommunityRecords : RegistryRecordType<V1.Community>
{
    private const int Id = 0;
    private const int Name = 1;
    private const int AdminArea = 2;
    private const int Sector = 3;
    private const int Risk = 4;
    private const int ProtectionPlan = 5;
    private const int ProtectionCommittee = 6;
    private const int CanFocalPoint = 7;
    private const int FirstPopulation = 8;

    private static readonly CodeWords<V1.RiskLevel> RiskLevels =
        new(Enum.GetValues<RiskLevel>().Select(r => (FeedCodes.RiskLevel(r), (V1.RiskLevel)r)));

    public static ColumnSet AllColumns { get; } = new(
        IngestKind.Communities,
        [
            CommunityAtRiskFields.Id.Name, CommunityAtRiskFields.Name.Name, "admin_area", "sector", CommunityAtRiskFields.RiskLevel.Name,
            "has_protection_plan", "has_protection_committee", "has_can_focal_point",
            .. Enumerable.Range(0, AffectedPeople.CellCount).Select(cell =>
                $"population_{Disaggregation.SexName(AffectedPeople.SexOfCell(cell))}_{Disaggregation.AgeName(AffectedPeople.AgeOfCell(cell))}"),
        ],
        ignored: CommunityAtRiskFields.All.Select(f => f.Name),
        required: ["id", "name"],
        LocationRule.Shape);

    public override ColumnSet Columns => AllColumns;

    public override AsyncUnaryCall<V1.Community> Create(V1.Registry.RegistryClient registry, V1.Community message, CallOptions options) =>
        registry.CreateCommunityAsync(message, options);

    public override AsyncUnaryCall<V1.Community> Get(V1.Registry.RegistryClient registry, string id, CallOptions options) =>
        registry.GetCommunityAsync(new V1.GetByIdRequest { Id = id }, options);

    public override string IdOf(V1.Community message) => message.Id;

    public override V1.Community ToMessage(InputRow row, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(row);
        var names = AllColumns.Names;
        var message = new V1.Community
        {
            Id = RowFields.Text(row, Id),
            Name = RowFields.Text(row, Name),
            Location = RowLocation.Shape(row, errors),
            AdminArea = RowFields.Text(row, AdminArea),
            Sector = RowFields.Text(row, Sector),
            RiskLevel = RowFields.Code(row, Risk, names[Risk], RiskLevels, errors),
            HasProtectionPlan = RowFields.Boolean(row, ProtectionPlan, names[ProtectionPlan], errors),
            HasProtectionCommittee = RowFields.Boolean(row, ProtectionCommittee, names[ProtectionCommittee], errors),
            HasCanFocalPoint = RowFields.Boolean(row, CanFocalPoint, names[CanFocalPoint], errors),
        };
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            // A population given for some groups is known (zero where not given); none given is unknown.
            if (row.Values[FirstPopulation + cell].Kind is not (ValueKind.Absent or ValueKind.Null))
            {
                message.Population.Add(new V1.AffectedCount
                {
                    Sex = (V1.Sex)AffectedPeople.SexOfCell(cell),
                    AgeGroup = (V1.AgeGroup)AffectedPeople.AgeOfCell(cell),
                    Count = RowFields.Integer(row, FirstPopulation + cell, names[FirstPopulation + cell], errors),
                });
            }
        }

        return message;
    }

    public override void Check(V1.Community message, DateTimeOffset now, FieldErrors errors)
    {
        var community = ApiMapping.ToCommunity(message, Geo.Core.Spatial.ShapeLimits.Default, errors);
        if (!errors.Any)
        {
            RegistryRules.Check(community, errors);
        }
    }
}
