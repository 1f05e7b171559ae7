package io.durakv.api.io;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Builds what a power loss could leave of a {@link SimulatedDisk}'s tree: all durable state, plus a seeded random
 * choice of everything unforced. The same tree and seed always give the same image: every random draw happens while
 * walking directories in name order and pages in index order.
 *
 * <p>Per crash, four probabilities are drawn, each 0, 1 or uniform, so that across seeds a crash keeps none, some or
 * all of the unforced changes: that an unforced page is kept, that a kept page is torn, that an unforced directory
 * entry change is kept; and whether holes (bytes past the forced size that no kept sector covers) read as zeros or
 * as garbage.
 *
 * <p>Not thread-safe: used once, under the source disk's monitor.
 */
final class SimCrash {

    private static final int PAGE = SimulatedDisk.PAGE_SIZE;
    private static final int SECTOR = SimulatedDisk.SECTOR_SIZE;
    private static final int SECTORS = PAGE / SECTOR;
    private static final int ALL_SECTORS = (1 << SECTORS) - 1;

    private final Random random;
    private final double pageKeep;
    private final double pageTear;
    private final double entryKeep;
    private final boolean garbageHoles;
    /** Old node to its image, so that two names of one inode stay one inode (never iterated). */
    private final Map<SimNode, SimNode> images = new IdentityHashMap<>();

    private SimCrash(long seed) {
        random = new Random(seed);
        pageKeep = probability();
        pageTear = probability();
        entryKeep = probability();
        garbageHoles = random.nextBoolean();
    }

    /** @return the image of the tree under {@code root}; every entry and byte in it is durable */
    static SimDirectory image(SimDirectory root, long seed) {
        SimCrash crash = new SimCrash(seed);
        Set<SimNode> named = Collections.newSetFromMap(new IdentityHashMap<>());
        currentlyNamed(root, named);
        SimDirectory image = crash.directory(root);
        crash.keepMovedFiles(root, named);
        return image;
    }

    /** Collects every node that has a current name. */
    private static void currentlyNamed(SimDirectory dir, Set<SimNode> out) {
        for (String name : dir.names()) {
            SimNode node = dir.get(name);
            if (out.add(node) && node instanceof SimDirectory sub) {
                currentlyNamed(sub, out);
            }
        }
    }

    /**
     * A rename is atomic on journaling file systems: a crash leaves the old name or the new one, never neither. Names
     * are decided one by one above, so a file that had a durable name and still has a current one (it was renamed,
     * not deleted) may have lost both; give it back its durable name.
     */
    private void keepMovedFiles(SimDirectory old, Set<SimNode> named) {
        SimNode mappedDir = images.get(old);
        if (!(mappedDir instanceof SimDirectory image)) {
            return; // the directory itself is not in the image
        }
        boolean changed = false;
        for (String name : old.currentAndDurableNames()) {
            SimNode durable = old.durable(name);
            if (durable instanceof SimInode inode && named.contains(inode) && !images.containsKey(inode)
                    && image.get(name) == null) {
                SimInode mapped = file(inode);
                images.put(inode, mapped);
                image.put(name, mapped);
                changed = true;
            }
        }
        if (changed) {
            image.force();
        }
        for (String name : old.currentAndDurableNames()) {
            SimNode node = old.get(name) != null ? old.get(name) : old.durable(name);
            if (node instanceof SimDirectory sub) {
                keepMovedFiles(sub, named);
            }
        }
    }

    private double probability() {
        return switch (random.nextInt(3)) {
            case 0 -> 0.0;
            case 1 -> 1.0;
            default -> random.nextDouble();
        };
    }

    /**
     * For each name whose current and durable entries differ (created, deleted, renamed, replaced and not forced), the
     * image keeps one of the two at random. A directory keeps at most one name (the first in path order), so that the
     * image stays a tree even when an unforced directory rename keeps both names.
     */
    private SimDirectory directory(SimDirectory old) {
        SimDirectory image = new SimDirectory();
        images.put(old, image);
        for (String name : old.currentAndDurableNames()) {
            SimNode current = old.get(name);
            SimNode durable = old.durable(name);
            SimNode chosen = current == durable || random.nextDouble() < entryKeep ? current : durable;
            if (chosen == null) {
                continue;
            }
            SimNode mapped = images.get(chosen);
            if (chosen instanceof SimDirectory dir) {
                if (mapped != null) {
                    continue;
                }
                mapped = directory(dir);
            } else if (mapped == null) {
                mapped = file((SimInode) chosen);
                images.put(chosen, mapped);
            }
            image.put(name, mapped);
        }
        image.force();
        return image;
    }

    /**
     * The file's durable bytes, a size between the durable and the current one, and each unforced page (written since
     * the last force, or between the two sizes) kept whole, kept torn at sector granularity, or lost.
     */
    private SimInode file(SimInode old) {
        long durableSize = old.durableSize();
        long size = chooseSize(durableSize, old.size());
        BitSet unforced = old.dirtyPages();
        if (durableSize != old.size()) {
            unforced.set((int) (Math.min(durableSize, old.size()) / PAGE),
                    SimInode.pageCount(Math.max(durableSize, old.size())));
        }
        byte[][] pages = new byte[SimInode.pageCount(size)][];
        for (int i = 0; i < pages.length; i++) {
            int keptSectors = 0;
            if (unforced.get(i) && random.nextDouble() < pageKeep) {
                keptSectors = random.nextDouble() < pageTear ? random.nextInt(ALL_SECTORS + 1) : ALL_SECTORS;
            }
            pages[i] = page(old, i, keptSectors, size);
        }
        return new SimInode(pages, size);
    }

    private long chooseSize(long durable, long current) {
        if (durable == current) {
            return durable;
        }
        long low = Math.min(durable, current);
        long high = Math.max(durable, current);
        return switch (random.nextInt(3)) {
            case 0 -> durable;
            case 1 -> current;
            default -> low + random.nextLong(high - low + 1);
        };
    }

    /** @return page {@code i} of the image: kept sectors from the current page, the rest as stable storage has it */
    private byte[] page(SimInode old, int i, int keptSectors, long size) {
        long start = (long) i * PAGE;
        long durableSize = old.durableSize();
        byte[] durable = start < durableSize ? old.durablePage(i) : null;
        boolean allDurable = start + PAGE <= durableSize && start + PAGE <= size;
        if (keptSectors == 0 && (allDurable || (durable == null && !garbageHoles))) {
            return durable; // shared: durable page arrays are never changed in place
        }
        byte[] page = new byte[PAGE];
        byte[] current = old.page(i);
        for (int s = 0; s < SECTORS; s++) {
            int off = s * SECTOR;
            if ((keptSectors & (1 << s)) != 0) {
                if (current != null) {
                    System.arraycopy(current, off, page, off, SECTOR);
                }
                continue;
            }
            int forced = (int) Math.max(0, Math.min(SECTOR, durableSize - start - off));
            if (durable != null && forced > 0) {
                System.arraycopy(durable, off, page, off, forced);
            }
            int end = (int) Math.max(0, Math.min(SECTOR, size - start - off));
            if (garbageHoles && forced < end) {
                garbage(page, off + forced, off + end);
            }
        }
        int end = (int) Math.min(PAGE, size - start);
        // Bytes past the end read as zeros if the file grows again.
        Arrays.fill(page, end, PAGE, (byte) 0);
        return page;
    }

    private void garbage(byte[] page, int from, int to) {
        for (int j = from; j < to; ) {
            int bits = random.nextInt();
            for (int k = 0; k < 4 && j < to; k++, bits >>>= 8) {
                page[j++] = (byte) bits;
            }
        }
    }
}
