package io.skydeck.release;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** {@link DegradeSwitchHold} rows, through Panache. */
@ApplicationScoped
public class DegradeSwitchHoldRepository implements PanacheRepositoryBase<DegradeSwitchHold, UUID> {

    List<DegradeSwitchHold> activeOn(UUID switchId) {
        return list("switchId = ?1 and endedAt is null order by takenAt, id", switchId);
    }

    List<DegradeSwitchHold> activeOn(Collection<UUID> switchIds) {
        return switchIds.isEmpty() ? List.of()
                : list("switchId in ?1 and endedAt is null order by takenAt, id", switchIds);
    }

    List<DegradeSwitchHold> activeOf(UUID releaseId) {
        return list("releaseId = ?1 and endedAt is null order by switchId", releaseId);
    }

    /** Every hold the release took, given back or not. */
    List<DegradeSwitchHold> allOf(UUID releaseId) {
        return list("releaseId = ?1 order by takenAt, switchId", releaseId);
    }

    boolean exists(UUID releaseId, UUID switchId) {
        return count("releaseId = ?1 and switchId = ?2", releaseId, switchId) > 0;
    }
}
