package io.skydeck.connectors.sandbox;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A table of {@link SandboxState}, sorted by id, that remembers which ids changed since its
 * changes were last saved, so a journaling store writes what a mutation changed and not the
 * whole cloud. Every write goes through a method overridden here; the views are read-only so
 * nothing slips past the record.
 */
class TrackedMap<V> extends TreeMap<String, V> {
    /** Told of every change of one id, after it is made: its value before and after (null when absent). */
    interface Observer<V> {
        void changed(String id, V before, V after);
    }

    private final Set<String> changed = new TreeSet<>();
    /** Derived look-ups kept up to date with the table ({@link SandboxIndexes}); never saved. */
    private final transient List<Observer<V>> observers = new ArrayList<>(1);

    /** From now on {@code observer} hears of every put and remove. */
    void observe(Observer<V> observer) {
        observers.add(observer);
    }

    TrackedMap() {
    }

    /** The ids changed since the last save, each with its new value, or null when removed. */
    Map<String, V> changes() {
        var changes = new TreeMap<String, V>();
        changed.forEach(id -> changes.put(id, get(id)));
        return changes;
    }

    /** Applies {@link #changes()} read back from a journal. */
    void apply(Map<String, V> changes) {
        changes.forEach((id, value) -> {
            if (value == null) {
                remove(id);
            } else {
                put(id, value);
            }
        });
    }

    void changesSaved() {
        changed.clear();
    }

    @Override
    public V put(String id, V value) {
        changed.add(id);
        V before = super.put(id, value);
        observers.forEach(o -> o.changed(id, before, value));
        return before;
    }

    @Override
    public void putAll(Map<? extends String, ? extends V> entries) {
        // TreeMap.putAll builds an empty map without calling put()
        entries.forEach(this::put);
    }

    @Override
    public V remove(Object id) {
        if (!containsKey(id)) {
            return null;
        }
        changed.add((String) id);
        V before = super.remove(id);
        observers.forEach(o -> o.changed((String) id, before, null));
        return before;
    }

    @Override
    public void clear() {
        for (String id : new ArrayList<>(super.keySet())) {
            remove(id);
        }
    }

    // TreeMap implements these without put()/remove(); route them through.

    @Override
    public V putIfAbsent(String id, V value) {
        V present = get(id);
        return present != null ? present : put(id, value);
    }

    @Override
    public V computeIfAbsent(String id, Function<? super String, ? extends V> mapping) {
        V present = get(id);
        if (present != null) {
            return present;
        }
        V value = mapping.apply(id);
        if (value != null) {
            put(id, value);
        }
        return value;
    }

    @Override
    public V computeIfPresent(String id, BiFunction<? super String, ? super V, ? extends V> remapping) {
        V present = get(id);
        return present == null ? null : store(id, remapping.apply(id, present));
    }

    @Override
    public V compute(String id, BiFunction<? super String, ? super V, ? extends V> remapping) {
        return store(id, remapping.apply(id, get(id)));
    }

    @Override
    public V merge(String id, V value, BiFunction<? super V, ? super V, ? extends V> remapping) {
        V present = get(id);
        return store(id, present == null ? value : remapping.apply(present, value));
    }

    @Override
    public V replace(String id, V value) {
        return containsKey(id) ? put(id, value) : null;
    }

    @Override
    public boolean replace(String id, V oldValue, V newValue) {
        if (containsKey(id) && Objects.equals(get(id), oldValue)) {
            put(id, newValue);
            return true;
        }
        return false;
    }

    @Override
    public boolean remove(Object id, Object value) {
        if (containsKey(id) && Objects.equals(get(id), value)) {
            remove(id);
            return true;
        }
        return false;
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super V, ? extends V> function) {
        for (String id : new ArrayList<>(super.keySet())) {
            put(id, function.apply(id, get(id)));
        }
    }

    @Override
    public Map.Entry<String, V> pollFirstEntry() {
        throw new UnsupportedOperationException("a sandbox table changes through put and remove");
    }

    @Override
    public Map.Entry<String, V> pollLastEntry() {
        throw new UnsupportedOperationException("a sandbox table changes through put and remove");
    }

    @Override
    public Set<Map.Entry<String, V>> entrySet() {
        return Collections.unmodifiableSet(super.entrySet());
    }

    @Override
    public Set<String> keySet() {
        return Collections.unmodifiableSet(super.keySet());
    }

    @Override
    public Collection<V> values() {
        return Collections.unmodifiableCollection(super.values());
    }

    private V store(String id, V value) {
        if (value == null) {
            remove(id);
        } else {
            put(id, value);
        }
        return value;
    }
}
