package io.durakv.btree;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link FreeSpace#allocate}: which free page a checkpoint writes next. */
class FreeSpaceTest {

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    @Test
    void theSegmentWithTheMostFreePagesComesFirstEachInAscendingOrder() {
        // Segments 0 and 1 at least half free: both are taken (the fuller first) before the file grows.
        int[] seg0 = concat(range(40, 64), range(2, 10));
        int[] seg1 = concat(range(100, 128), new int[]{70, 64, 90, 80, 99});
        FreeSpace space = new FreeSpace(192, concat(seg1, seg0), new int[0]);

        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 33 + 32 + 2; i++) {
            got.add(space.allocate());
        }

        List<Integer> expected = new ArrayList<>(List.of(64, 70, 80, 90));
        IntStream.range(99, 128).forEach(expected::add);
        IntStream.range(2, 10).forEach(expected::add);
        IntStream.range(40, 64).forEach(expected::add);
        expected.addAll(List.of(192, 193));
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(space.pageCount()).isEqualTo(194);
    }

    @Test
    void whenEverySegmentIsMostlyUsedTheFileGrowsByWholeSegmentsInstead() {
        int[] seg0 = {9, 2};
        int[] seg1 = concat(range(70, 80), new int[]{100});
        int[] seg3 = range(200, 240);
        int[] seg4 = {300, 258, 290, 270, 280};
        FreeSpace space = new FreeSpace(301, concat(seg4, seg0, seg3, seg1), new int[0]);

        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 40 + 19 + 65; i++) {
            got.add(space.allocate());
        }

        // Segment 3 (40 of 64 free) first; then every segment is less than half free: the file grows to the next
        // segment boundary (301 to 319), then by a whole segment (320 to 383), then again.
        List<Integer> expected = new ArrayList<>();
        IntStream.range(200, 240).forEach(expected::add);
        IntStream.range(301, 385).forEach(expected::add);
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(space.freeOnDisk()).containsExactlyInAnyOrder(java.util.Arrays.stream(concat(seg0, seg1, seg4)).boxed().toArray(Integer[]::new));
    }

    @Test
    void pagesFreedWhileTheFileGrowsAreTakenOnceASegmentIsHalfFree() {
        FreeSpace space = new FreeSpace(256, range(10, 14), new int[0]);
        assertThat(space.allocate()).isEqualTo(256); // segment 0: 4 free, less than half: grow
        // Pages of segment 3 leave the tree, and a checkpoint makes them reusable.
        for (int id = 192; id < 232; id++) {
            space.release(id, 1);
        }
        space.begin();
        int[][] plan = space.planFreeList(1000);
        assertThat(plan[0]).as("the free list's page, from the segment being filled").containsExactly(257);
        space.headerDurable(plan[0]);
        space.promote(Long.MAX_VALUE);
        // The new segment is finished first, then segment 3 (40 free), then the file grows again.
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 62 + 40 + 1; i++) {
            got.add(space.allocate());
        }
        List<Integer> expected = new ArrayList<>();
        IntStream.range(258, 320).forEach(expected::add);
        IntStream.range(192, 232).forEach(expected::add);
        expected.add(320);
        assertThat(got).containsExactlyElementsOf(expected);
    }

    @Test
    void rollbackGivesBackEveryPageItTookAndTheSameOrderFollows() {
        Random random = new Random(7);
        TreeSet<Integer> initial = new TreeSet<>();
        while (initial.size() < 500) {
            initial.add(2 + random.nextInt(1000));
        }
        FreeSpace space = new FreeSpace(1002, initial.stream().mapToInt(Integer::intValue).toArray(), new int[0]);
        space.begin();
        List<Integer> first = new ArrayList<>();
        for (int i = 0; i < 350; i++) {
            first.add(space.allocate());
        }
        space.rollback();
        assertThat(space.freeOnDisk()).isEqualTo(initial);
        assertThat(space.pageCount()).isEqualTo(1002);
        space.begin();
        List<Integer> second = new ArrayList<>();
        for (int i = 0; i < 350; i++) {
            second.add(space.allocate());
        }
        assertThat(second).isEqualTo(first);
        // Free pages and new pages past the end, none twice.
        assertThat(new TreeSet<>(second)).hasSize(350);
        assertThat(second).allSatisfy(id -> assertThat(initial.contains(id) || id >= 1002).isTrue());
    }

    /**
     * What the order is for: after random overwrites the free pages are scattered, and a checkpoint that takes them
     * lowest first writes runs of about one page. Churn as checkpoints do it (each writes W random leaves into
     * pages it allocates; their old pages are free once the next header is durable), once with {@link FreeSpace} and
     * once with a model of the lowest-first order, and count the runs of consecutive ids each checkpoint writes.
     */
    @Test
    void underRandomChurnACheckpointsPagesFormLongerRunsThanLowestFirst() {
        int live = 20_000;
        int file = 32_000;
        int perCheckpoint = 3_000;
        int checkpoints = 30;
        List<Integer> slots = new ArrayList<>(IntStream.range(2, file).boxed().toList());
        java.util.Collections.shuffle(slots, new Random(11));
        TreeSet<Integer> initialFree = new TreeSet<>(slots.subList(live, slots.size()));

        // The segment order.
        Random random = new Random(5);
        int[] leafPage = slots.subList(0, live).stream().mapToInt(Integer::intValue).toArray();
        FreeSpace space = new FreeSpace(file, initialFree.stream().mapToInt(Integer::intValue).toArray(),
                new int[0]);
        long runs = 0;
        for (int checkpoint = 0; checkpoint < checkpoints; checkpoint++) {
            int[] leaves = random.ints(0, live).distinct().limit(perCheckpoint).toArray();
            space.begin();
            int[] taken = new int[perCheckpoint];
            for (int i = 0; i < perCheckpoint; i++) {
                taken[i] = space.allocate();
            }
            runs += runs(java.util.Arrays.stream(taken).sorted().toArray());
            space.headerDurable(space.planFreeList(1 << 20)[0]);
            space.promote(Long.MAX_VALUE);
            for (int i = 0; i < perCheckpoint; i++) {
                space.release(leafPage[leaves[i]], checkpoint + 1);
                leafPage[leaves[i]] = taken[i];
            }
        }
        assertThat(space.pageCount()).as("the file stays below twice its used pages")
                .isLessThan(2 * (live + perCheckpoint) + 2 * FreeSpace.SEGMENT_PAGES);

        // The same churn, lowest free page first.
        random = new Random(5);
        leafPage = slots.subList(0, live).stream().mapToInt(Integer::intValue).toArray();
        TreeSet<Integer> free = new TreeSet<>(initialFree);
        List<Integer> pending = new ArrayList<>();
        long runsLowestFirst = 0;
        for (int checkpoint = 0; checkpoint < checkpoints; checkpoint++) {
            int[] leaves = random.ints(0, live).distinct().limit(perCheckpoint).toArray();
            int[] taken = new int[perCheckpoint];
            for (int i = 0; i < perCheckpoint; i++) {
                taken[i] = free.pollFirst();
            }
            runsLowestFirst += runs(taken);
            free.pollFirst(); // the free list's page
            free.addAll(pending);
            pending.clear();
            for (int i = 0; i < perCheckpoint; i++) {
                pending.add(leafPage[leaves[i]]);
                leafPage[leaves[i]] = taken[i];
            }
        }
        assertThat(runs).as("runs of the segment order against lowest first (%d)", runsLowestFirst)
                .isLessThan(runsLowestFirst * 2 / 3);
    }

    private static long runs(int[] sortedIds) {
        long runs = 0;
        for (int i = 0; i < sortedIds.length; i++) {
            if (i == 0 || sortedIds[i] != sortedIds[i - 1] + 1) {
                runs++;
            }
        }
        return runs;
    }
}
