for g in 1 4 7 10 13 16 19 22 25 28 3 5 9 45; do echo "$((300*g)) $g 0.5"; done
for t in 0.3 0.4 0.5 0.6 0.7; do echo "3000 10 $t"; echo "9000 30 $t"; done
