#include <stdio.h>
int main(void) { puts("skiff"); return 0; }
