package io.skydeck.release;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

@ApplicationScoped
public class ApplicationVersionRepository implements PanacheRepositoryBase<ApplicationVersion, UUID> {
}
