using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage.Access;
using Geo.Storage.Operations;

namespace Geo.Grpc.Operations;

/// <summary>
/// Recording a planned operation: held to the plan rules and to the caller's area, stored, and
/// audited. The gRPC handler and the map's HTTP endpoint both come here with the plan they read,
/// each naming the fields as its own request does.
/// </summary>
internal sealed class OperationPlans(OperationStore store, AccessStore audit)
{
    /// <param name="prefix">The path of the plan in the request ("" when it is the request, "operation" inside an update).</param>
    /// <param name="shapeField">The one field that holds the shape (HTTP's "geometry"), or null for gRPC's route and area.</param>
    public async Task<StoredOperation> CreateAsync(PlannedOperation operation, string prefix, string? shapeField, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(caller);
        Check(operation, prefix, shapeField, caller);
        var created = await store.CreateAsync(operation, caller.Subject, cancellationToken).ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "operation.create", "operation", operation.Id, new { operation.Name }).ConfigureAwait(false);
        return created;
    }

    public async Task<StoredOperation> UpdateAsync(PlannedOperation operation, long expectedVersion, string prefix, string? shapeField, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(caller);
        Check(operation, prefix, shapeField, caller);
        if (expectedVersion < 0)
        {
            throw ApiErrors.InvalidArgument("expected_version", $"{expectedVersion} is below 0");
        }

        var updated = await store.UpdateAsync(operation, expectedVersion, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "operation.update", "operation", operation.Id, new { operation.Name, version = updated.Version }).ConfigureAwait(false);
        return updated;
    }

    private static void Check(PlannedOperation operation, string prefix, string? shapeField, Caller caller)
    {
        var all = new FieldErrors();
        OperationRules.Check(operation, prefix.Length == 0 ? all : all.At(prefix), shapeField);
        ApiErrors.ThrowIfAny(all);
        var field = shapeField ?? (operation.IsRoute ? "route" : "area");
        AccessRules.EnsureInside(caller, operation.Shape, prefix.Length == 0 ? field : $"{prefix}.{field}");
    }
}
