package io.skydeck.platform.paging;

import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One page of a list endpoint through a Panache repository: optional equality filters, then the
 * keyset position of {@link PageRequest} on ({@code <time>}, {@code id}) — the order every list
 * is read in, so a page is an index range scan however deep the cursor. It reads one row more
 * than the page, which {@link Page#from} turns into the next cursor.
 */
public final class KeysetQuery {

    private final String timeField;
    private final StringBuilder where = new StringBuilder("1 = 1");
    private final Map<String, Object> params = new LinkedHashMap<>();

    private KeysetQuery(String timeField) {
        this.timeField = timeField;
    }

    /** Rows ordered by {@code createdAt}, then id. */
    public static KeysetQuery byCreation() {
        return new KeysetQuery("createdAt");
    }

    /** Rows ordered by {@code timeField}, then id. */
    public static KeysetQuery by(String timeField) {
        return new KeysetQuery(timeField);
    }

    /** Keeps rows whose {@code field} equals the value, when there is one. */
    public KeysetQuery where(String field, Optional<?> value) {
        value.ifPresent(v -> {
            where.append(" and ").append(field).append(" = :").append(field);
            params.put(field, v);
        });
        return this;
    }

    /** Keeps rows whose {@code field} is none of {@code values}. */
    public KeysetQuery whereNotIn(String field, java.util.Collection<?> values) {
        where.append(" and ").append(field).append(" not in :").append(field).append("Excluded");
        params.put(field + "Excluded", values);
        return this;
    }

    public <E> List<E> page(PanacheRepositoryBase<E, UUID> repository, PageRequest page) {
        return query(repository, page).list();
    }

    /**
     * The page read straight into {@code view} (its {@code @ProjectedConstructor} names the
     * columns): no managed entities, for lists that only show rows. {@code view} must carry the
     * time field and id for the next cursor.
     */
    public <E, V> List<V> page(PanacheRepositoryBase<E, UUID> repository, PageRequest page, Class<V> view) {
        return query(repository, page).project(view).list();
    }

    private <E> PanacheQuery<E> query(PanacheRepositoryBase<E, UUID> repository, PageRequest page) {
        StringBuilder query = new StringBuilder(where);
        Map<String, Object> args = new LinkedHashMap<>(params);
        page.after().ifPresent(c -> {
            query.append(" and (").append(timeField).append(" > :keysetAt or (").append(timeField)
                    .append(" = :keysetAt and id > :keysetId))");
            args.put("keysetAt", c.createdAt());
            args.put("keysetId", c.id());
        });
        return repository.find(query.toString(), Sort.by(timeField).and("id"), args).range(0, page.limit());
    }
}
