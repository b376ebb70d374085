using Geo.Core.Validation;

namespace Geo.Core.Domain;

/// <summary>
/// Policy para 13, do no harm: CLAs must not take individual case testimonies of human-rights
/// violations, conflict-related sexual violence or sexual exploitation and abuse. Such a case
/// is referred to the section that handles it, with contact details only.
/// </summary>
public static class DoNoHarmRule
{
    public const string Explanation =
        "CLAs must not take individual case testimonies of human-rights violations, conflict-related sexual violence " +
        "or sexual exploitation and abuse (DPO CLA policy para 13, do no harm): nothing of this observation was stored. " +
        "Refer the person with Referrals.Submit, which keeps only contact details and the section the case goes to, " +
        "and report the general situation without the individual case";

    /// <summary>Refuses an observation that carries any part of an individual case.</summary>
    public static void Check(bool carriesIndividualCase, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (carriesIndividualCase)
        {
            errors.Add("individual_case", Explanation);
        }
    }
}
