using Geo.Grpc.Access;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Estimates;

/// <summary>geoawareness.v1.CivilEstimates: the civil operational estimate (CIV-OES) of an area for a period.</summary>
internal sealed class CivilEstimatesHandler(CivilEstimator estimator) : V1.CivilEstimates.CivilEstimatesBase
{
    public override async Task<V1.CivilEstimate> GetCivilEstimate(V1.CivilEstimateRequest request, ServerCallContext context) =>
        await estimator.EstimateAsync(estimator.Read(request), context.Caller(), context.CancellationToken).ConfigureAwait(false);
}
