/* Exact sums over the ranks in pieces; see include/echelon/reduce.h. */
#include "echelon/reduce.h"

int ech_reduce_sum(void *data, int64_t count, MPI_Datatype type, MPI_Comm comm, int root)
{
    enum { PIECE = 1 << 27 };
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Type_size(type, &size);
    for (int64_t off = 0; off < count; off += PIECE) {
        int n = (int)(count - off < PIECE ? count - off : PIECE);
        char *p = (char *)data + off * size;
        int rc;
        if (root < 0)
            rc = MPI_Allreduce(MPI_IN_PLACE, p, n, type, MPI_SUM, comm);
        else if (rank == root)
            rc = MPI_Reduce(MPI_IN_PLACE, p, n, type, MPI_SUM, root, comm);
        else
            rc = MPI_Reduce(p, NULL, n, type, MPI_SUM, root, comm);
        if (rc != MPI_SUCCESS)
            return rc;
    }
    return MPI_SUCCESS;
}
