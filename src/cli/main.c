/* Temporary entry point while the engine is assembled; replaced by the real CLI. */
#include "echelon/version.h"
#include <stdio.h>
int main(void)
{
    printf("echelon %s (%s)\n", ECH_VERSION_STRING, ECH_GIT_COMMIT);
    return 0;
}
