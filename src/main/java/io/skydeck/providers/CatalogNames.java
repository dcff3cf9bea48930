package io.skydeck.providers;

import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.Image;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Flavors and images as users know them — by name or by id — resolved to the id a provider
 * wants, per provider. A cache of what the last inventory read found (placement's rebuild feeds
 * it, outside any transaction), so a request resolves names without calling a provider while
 * its transaction holds the placement ledger's locks; the create call stays the arbiter.
 *
 * <p>An id always wins over a name. A name that means more than one thing is refused with the
 * candidates listed, rather than guessed.
 */
@ApplicationScoped
public class CatalogNames {

    /** A flavor or image as resolved: the provider's id and the name users see. */
    public record Named(String id, String name) {
    }

    private record Catalog(List<Flavor> flavors, List<Image> images) {
    }

    private final Map<String, Catalog> catalogs = new ConcurrentHashMap<>();

    /** What one provider offers (all regions together), as its last inventory read found it. */
    public void remember(String provider, List<Flavor> flavors, List<Image> images) {
        catalogs.put(provider, new Catalog(List.copyOf(flavors), List.copyOf(images)));
    }

    /**
     * The flavor id {@code reference} means on any provider. Unknown or ambiguous (a name two
     * different flavors carry) is a 400 naming the candidates.
     */
    public String flavorId(String reference) {
        Set<String> byId = new LinkedHashSet<>();
        Set<String> byName = new LinkedHashSet<>();
        catalogs.forEach((provider, catalog) -> catalog.flavors().forEach(f -> {
            if (f.id().equals(reference)) {
                byId.add(f.id());
            } else if (f.name().equals(reference)) {
                byName.add(f.id());
            }
        }));
        if (!byId.isEmpty()) {
            return reference;
        }
        if (byName.size() > 1) {
            throw ambiguous("flavor", reference, candidates(reference, Catalog::flavors, Flavor::id, Flavor::name));
        }
        return byName.stream().findFirst().orElse(reference); // unknown: the placement's flavor check says so
    }

    /** The flavor {@code reference} means on {@code provider}, if that provider offers it. */
    public Optional<Named> flavorOn(String provider, String reference) {
        Catalog catalog = catalogs.get(provider);
        if (catalog == null) {
            return Optional.empty();
        }
        return resolve("flavor", provider, reference, catalog.flavors(), Flavor::id, Flavor::name);
    }

    /**
     * The image {@code reference} means on {@code provider}. A provider whose image catalogue is
     * unknown (it lists none) gets the reference as given; one that lists images and has none of
     * that name or id is a 400 before anything is created.
     */
    public Named imageOn(String provider, String reference) {
        Catalog catalog = catalogs.get(provider);
        if (catalog == null || catalog.images().isEmpty()) {
            return new Named(reference, null);
        }
        return resolve("image", provider, reference, catalog.images(), Image::id, Image::name)
                .orElseThrow(() -> ProblemException.invalid("image", "provider " + provider + " has no image '" + reference
                        + "' (by name or id)"));
    }

    private static <T> Optional<Named> resolve(String what, String provider, String reference, List<T> items,
                                               Function<T, String> id, Function<T, String> name) {
        for (T item : items) {
            if (id.apply(item).equals(reference)) {
                return Optional.of(new Named(id.apply(item), name.apply(item)));
            }
        }
        List<T> named = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (T item : items) {
            if (name.apply(item).equals(reference) && ids.add(id.apply(item))) {
                named.add(item);
            }
        }
        if (named.size() > 1) {
            throw ambiguous(what, reference, named.stream().map(i -> provider + "/" + id.apply(i)).toList());
        }
        return named.stream().findFirst().map(i -> new Named(id.apply(i), name.apply(i)));
    }

    private <T> List<String> candidates(String reference, Function<Catalog, List<T>> items, Function<T, String> id,
                                        Function<T, String> name) {
        Set<String> out = new LinkedHashSet<>();
        catalogs.forEach((provider, catalog) -> items.apply(catalog).stream()
                .filter(i -> name.apply(i).equals(reference)).forEach(i -> out.add(provider + "/" + id.apply(i))));
        return List.copyOf(out);
    }

    private static ProblemException ambiguous(String what, String reference, List<String> candidates) {
        return new ProblemException(ProblemType.VALIDATION, what + " '" + reference + "' names more than one " + what
                + ": " + String.join(", ", candidates) + "; give the id",
                List.of(new Problem.FieldError(what, "ambiguous; one of " + String.join(", ", candidates))), Map.of());
    }
}
