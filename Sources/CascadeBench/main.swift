print("bench: skeleton")
