package io.skydeck.connectors.sandbox;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The usage list of {@link SandboxState}, remembering which positions changed since its changes
 * were last saved. Appending and replacing mark one position; anything that shifts elements
 * (a removal, an insertion, a sort) marks every position from the first one it moved.
 */
final class TrackedList<E> extends ArrayList<E> {
    private final TreeSet<Integer> changed = new TreeSet<>();
    private int shiftedFrom = Integer.MAX_VALUE;

    TrackedList() {
    }

    /** The positions changed since the last save, with their elements. */
    Map<Integer, E> changes() {
        var changes = new TreeMap<Integer, E>();
        for (int index : changed) {
            if (index < size()) {
                changes.put(index, get(index));
            }
        }
        for (int index = shiftedFrom; index < size(); index++) {
            changes.put(index, get(index));
        }
        return changes;
    }

    /** Applies {@link #changes()} and the list's new size, read back from a journal. */
    void apply(Map<Integer, E> changes, int newSize) {
        while (size() > newSize) {
            super.remove(size() - 1);
        }
        new TreeMap<>(changes).forEach((index, element) -> {
            if (index == size()) {
                add(element);
            } else {
                set(index, element);
            }
        });
        if (size() != newSize) {
            throw new IllegalStateException("the usage list has " + size() + " segments, not " + newSize);
        }
    }

    void changesSaved() {
        changed.clear();
        shiftedFrom = Integer.MAX_VALUE;
    }

    @Override
    public boolean add(E element) {
        changed.add(size());
        return super.add(element);
    }

    @Override
    public E set(int index, E element) {
        changed.add(index);
        return super.set(index, element);
    }

    /** Only the elements {@code operator} really replaced count as changed (ArrayList's own does not call set). */
    @Override
    public void replaceAll(UnaryOperator<E> operator) {
        for (int index = 0; index < size(); index++) {
            E before = get(index);
            E after = operator.apply(before);
            if (after != before) {
                set(index, after);
            }
        }
    }

    @Override
    public boolean addAll(Collection<? extends E> elements) {
        elements.forEach(this::add);
        return !elements.isEmpty();
    }

    @Override
    public void add(int index, E element) {
        shifted(index);
        super.add(index, element);
    }

    @Override
    public boolean addAll(int index, Collection<? extends E> elements) {
        shifted(index);
        return super.addAll(index, elements);
    }

    @Override
    public E remove(int index) {
        shifted(index);
        return super.remove(index);
    }

    @Override
    public boolean remove(Object element) {
        int index = indexOf(element);
        if (index < 0) {
            return false;
        }
        remove(index);
        return true;
    }

    @Override
    public boolean removeIf(Predicate<? super E> filter) {
        shifted(0);
        return super.removeIf(filter);
    }

    @Override
    public boolean removeAll(Collection<?> elements) {
        shifted(0);
        return super.removeAll(elements);
    }

    @Override
    public boolean retainAll(Collection<?> elements) {
        shifted(0);
        return super.retainAll(elements);
    }

    @Override
    public void clear() {
        shifted(0);
        super.clear();
    }

    @Override
    public void sort(Comparator<? super E> order) {
        shifted(0);
        super.sort(order);
    }

    @Override
    public List<E> subList(int from, int to) {
        return Collections.unmodifiableList(super.subList(from, to));
    }

    private void shifted(int index) {
        shiftedFrom = Math.min(shiftedFrom, index);
    }
}
