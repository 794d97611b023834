/* Exact sums over the ranks of arrays longer than one MPI call may carry. */
#ifndef ECHELON_REDUCE_H
#define ECHELON_REDUCE_H

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sums `count` integers of `type` (MPI_INT32_T or MPI_INT64_T) over the ranks of
 * comm, in place: into every rank (root < 0, MPI_Allreduce) or into rank `root`
 * alone (MPI_Reduce; the other ranks' arrays are left as they were).  Integer sums,
 * so exact and independent of the order in which MPI combines the ranks.  Sent in
 * pieces of at most 2^27 values.  Collective: every rank calls it with the same
 * count, type and root.  Returns an MPI error code (MPI_SUCCESS). */
int ech_reduce_sum(void *data, int64_t count, MPI_Datatype type, MPI_Comm comm, int root);

#ifdef __cplusplus
}
#endif

#endif
