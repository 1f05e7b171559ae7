package io.durakv.btree;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static io.durakv.btree.BTreeFormat.FIRST_DATA_PAGE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attack on {@link FreeSpace#allocate}'s segment choice and growth by whole segments: a model of the checkpoint
 * protocol (writes drop durable pages, checkpoints allocate pages for dirty nodes and a free list, some fail and are
 * rolled back, some release pages while in flight, some stores are reopened from the last durable header) checks
 * after every allocation that the page is referenced neither by the last durable header (its tree or its free list)
 * nor by another page of the same checkpoint, and after every header that its tree, its free list's pages and its
 * free list partition the file's pages exactly (nothing leaked, nothing listed twice).
 */
class FreeSpaceModelReviewTest {

    private static final int PER_LIST_PAGE = 8;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void noCheckpointEverAllocatesAPageTheDurableHeaderReferences(long seed) {
        Random r = new Random(seed);
        // The durable header.
        Set<Integer> durableTree = new HashSet<>();
        int[] durableList = new int[0];
        int[] durableFree = new int[0];
        int durablePageCount = FIRST_DATA_PAGE;
        FreeSpace space = new FreeSpace(durablePageCount, durableFree, durableList);
        // Durable pages the in-memory tree still references (a subset of durableTree), and nodes not yet written.
        List<Integer> memTree = new ArrayList<>();
        int dirty = 0;
        long version = 0;
        long promoted = 0;
        for (int step = 0; step < 400; step++) {
            // Writes: drop some durable pages (copy-on-write), dirty some nodes.
            int drops = r.nextInt(Math.max(1, memTree.size() / 3) + 1);
            for (int i = 0; i < drops && !memTree.isEmpty(); i++) {
                space.release(memTree.remove(r.nextInt(memTree.size())), ++version);
            }
            dirty += 1 + r.nextInt(r.nextInt(10) == 0 ? 200 : 40);

            // A checkpoint.
            space.begin();
            List<Integer> frozen = new ArrayList<>(memTree);
            int writing = dirty;
            Set<Integer> allocated = new TreeSet<>();
            Set<Integer> durable = new HashSet<>(durableTree);
            for (int id : durableList) {
                durable.add(id);
            }
            for (int i = 0; i < writing; i++) {
                int id = space.allocate();
                assertThat(durable).as("seed %d step %d: page %d allocated", seed, step, id).doesNotContain(id);
                assertThat(allocated.add(id)).as("seed %d step %d: page %d allocated twice", seed, step, id).isTrue();
                assertThat(id).isGreaterThanOrEqualTo(FIRST_DATA_PAGE).isLessThan(space.pageCount());
                if (r.nextInt(8) == 0 && !memTree.isEmpty()) { // writes go on while the checkpoint runs
                    space.release(memTree.remove(r.nextInt(memTree.size())), ++version);
                }
            }
            int[][] plan = space.planFreeList(PER_LIST_PAGE);
            int[] listPages = plan[0];
            int[] freeIds = plan[1];
            for (int id : listPages) {
                assertThat(durable).as("seed %d step %d: free-list page %d", seed, step, id).doesNotContain(id);
                assertThat(allocated.add(id)).as("seed %d step %d: list page %d taken twice", seed, step, id).isTrue();
            }
            Set<Integer> newTree = new HashSet<>(frozen);
            newTree.addAll(allocated);
            // allocated now holds node pages and list pages
            int pageCount = space.pageCount();
            TreeSet<Integer> all = new TreeSet<>();
            for (int id : freeIds) {
                assertThat(all.add(id)).as("seed %d step %d: free page %d listed twice", seed, step, id).isTrue();
                assertThat(newTree).as("seed %d step %d: free page %d in use", seed, step, id).doesNotContain(id);
            }
            all.addAll(newTree);
            assertThat(all).as("seed %d step %d: pages of the new header", seed, step)
                    .hasSize(pageCount - FIRST_DATA_PAGE);
            assertThat(all.isEmpty() || (all.first() >= FIRST_DATA_PAGE && all.last() < pageCount)).isTrue();
            assertThat((long) freeIds.length).isLessThanOrEqualTo((long) listPages.length * PER_LIST_PAGE);

            if (r.nextInt(5) == 0) { // a failed page or header write: undone
                space.rollback();
                continue;
            }
            space.headerDurable(listPages);
            durableTree = newTree;
            for (int id : listPages) {
                durableTree.remove(id);
            }
            durableList = listPages;
            durableFree = freeIds;
            durablePageCount = pageCount;
            for (int id : allocated) {
                if (!contains(listPages, id)) {
                    memTree.add(id);
                }
            }
            dirty -= writing;
            // Snapshots hold some pages for a while.
            promoted = Math.max(promoted, version - r.nextInt(20));
            space.promote(promoted);

            if (r.nextInt(10) == 0) { // reopen from the durable header: unwritten changes are replayed as dirty nodes
                space = new FreeSpace(durablePageCount, durableFree, durableList);
                memTree = new ArrayList<>(durableTree);
                promoted = version;
            }
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
