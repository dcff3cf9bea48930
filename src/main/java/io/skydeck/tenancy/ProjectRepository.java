package io.skydeck.tenancy;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** {@link Project} rows, through Panache. */
@ApplicationScoped
public class ProjectRepository implements PanacheRepositoryBase<Project, UUID> {
}
