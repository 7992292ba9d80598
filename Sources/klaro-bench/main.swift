print("klaro-bench")
