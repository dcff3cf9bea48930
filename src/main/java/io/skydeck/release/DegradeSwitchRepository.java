package io.skydeck.release;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** {@link DegradeSwitch} rows, through Panache. */
@ApplicationScoped
public class DegradeSwitchRepository implements PanacheRepositoryBase<DegradeSwitch, UUID> {
}
